/* bm_wordcount.c: the counter object (see bm_wordcount.h): options, its
 * life, finishing and the totals. The work is in the modules bm_wc_int.h
 * lists: counting (bm_wc_count.c), the parallel read (bm_wc_read.c),
 * merging (bm_wc_merge.c) and the result (bm_wc_result.c).
 */
#include "config.h"

#include "bm_wordcount.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bm_wc_int.h"

void bm_wc_opts_init(bm_wc_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->threads = 1;
	o->block_size = BM_WC_BLOCK_DEFAULT;
	o->positions = true;
}

bm_wc_t *bm_wc_new(const bm_wc_opts_t *o)
{
	bm_wc_t *wc = calloc(1, sizeof *wc);
	if (!wc) {
		bm_seterr("out of memory");
		return NULL;
	}
	wc->o = *o;
	if (wc->o.threads < 1)
		wc->o.threads = 1;
	if (wc->o.block_size < BM_WC_BLOCK_MIN)
		wc->o.block_size = BM_WC_BLOCK_MIN;
	wc->nctx = wc->o.threads;
	wc->scan = bm_wc_scanner(bm_cpu(), wc->o.alnum);
	wc->ctx = calloc((size_t)wc->nctx, sizeof *wc->ctx);
	if (!wc->ctx || bm_wc_read_init(wc) < 0)
		goto oom;
	for (int t = 0; t < wc->nctx; t++)
		if (bm_wc_ctx_init(&wc->ctx[t], &wc->o) < 0)
			goto oom;
	return wc;
oom:
	bm_seterr("out of memory");
	bm_wc_free(wc);
	return NULL;
}

void bm_wc_free(bm_wc_t *wc)
{
	if (!wc)
		return;
	bm_wc_read_free(wc);
	if (wc->runs)
		for (unsigned t = 0; t < wc->nparts; t++)
			free(wc->runs[t].v);
	free(wc->runs);
	free(wc->view);
	if (wc->ctx)
		for (int t = 0; t < wc->nctx; t++)
			bm_wc_ctx_free(&wc->ctx[t]);
	free(wc->ctx);
	free(wc);
}

int bm_wc_finish(bm_wc_t *wc)
{
	if (wc->finished)
		return 0;
	wc->finished = true;
	bm_wc_read_stop(wc);
	for (int t = 0; t < wc->nctx; t++)
		if (wc->ctx[t].err == E2BIG) {
			bm_seterr("a word longer than %zu MiB at byte %llu of the input", BM_WC_MAX_WORD >> 20,
			          (unsigned long long)wc->ctx[t].err_off);
			return -1;
		} else if (wc->ctx[t].err) {
			bm_seterr("out of memory");
			return -1;
		}
	if (bm_wc_combine(wc) < 0)
		return -1;
	uint64_t total = 0;
	for (unsigned t = 0; t < wc->nparts; t++) {
		const bm_hashmap_t *m = &wc->ctx[t].map;
		for (bm_hm_slot_t *s = bm_hashmap_next(m, NULL); s; s = bm_hashmap_next(m, s))
			if (bm_wc_owned(wc, t, s))
				total = s->count > UINT64_MAX - total ? UINT64_MAX : total + s->count;
	}
	wc->total = total;
	return 0;
}

uint64_t bm_wc_distinct(const bm_wc_t *wc)
{
	uint64_t n = 0;
	for (unsigned t = 0; t < wc->nparts; t++) {
		const bm_hashmap_t *m = &wc->ctx[t].map;
		for (bm_hm_slot_t *s = bm_hashmap_next(m, NULL); s; s = bm_hashmap_next(m, s))
			n += bm_wc_owned(wc, t, s);
	}
	return n;
}

uint64_t bm_wc_total(const bm_wc_t *wc)
{
	return wc->total;
}
