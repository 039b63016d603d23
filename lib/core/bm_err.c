/* bm_err.c: the per-thread error message (see bm_err.h). */
#include "config.h"

#include "bm_err.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errbuf[512];

const char *bm_errmsg(void)
{
	return errbuf;
}

void bm_seterr(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
}
