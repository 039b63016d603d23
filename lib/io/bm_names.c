/* bm_names.c: splitting a name frame into names (see bm_names.h). */
#include "config.h"

#include "bm_names.h"

#include <stdlib.h>
#include <string.h>

#include "bm_err.h"

void bm_names_free(bm_names_t *nm)
{
	free(nm->names);
	free(nm->bytes);
	*nm = (bm_names_t){0};
}

int bm_names_parse(bm_names_t *nm, const void *data, size_t len, const char *noun)
{
	const char *s = data;
	*nm = (bm_names_t){0};
	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0) {
		bm_seterr("no %s names", noun);
		return -1;
	}
	if (memchr(s, '\0', len)) {
		bm_seterr("a %s name holds a NUL byte", noun);
		return -1;
	}
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	nm->bytes = malloc(len + 1);
	nm->names = malloc(n * sizeof *nm->names);
	if (!nm->bytes || !nm->names) {
		bm_names_free(nm);
		bm_seterr("out of memory");
		return -1;
	}
	memcpy(nm->bytes, s, len);
	nm->bytes[len] = '\0';
	char *p = nm->bytes;
	for (;;) {
		nm->names[nm->n++] = p;
		char *nl = memchr(p, '\n', (size_t)(nm->bytes + len - p));
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return 0;
}
