/* bm_clean_tensor.c: bm-clean's one-pass --tensor rows. A row is spooled
 * as slots (its output, then a number or a category index per column, 4
 * bytes, or 8 when scaling needs the doubles) while the input is read;
 * once the categories and scaling of the whole input are known, the
 * spooled rows are replayed, encoded as rows of x and y (see
 * bm_clean_int.h). The record path (bm_clean_read.c) fills the slots. */
#include "config.h"

#include "bm_clean_int.h"

#include "bm_csv_int.h"
#include "bm_stream.h"

int bm_clean_spool_open(const ctx_t *x, rd_t *rd, size_t mem)
{
	bm_spool_init(&rd->spool, (x->nsel + 1) * x->sw, mem);
	return (rd->srow = bm_spool_next(&rd->spool)) ? 0 : -1;
}

bool bm_clean_lean_ok(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (!x->fast || o->report || o->dedup || o->nfillna || o->ffill || o->bfill || x->na_number)
		return false;
	for (size_t j = 0; j < x->nsel; j++)
		if (x->c[j].type == T_UNDECIDED)
			return false;
	if (x->fcat)
		return true;
	x->fcat = bm_xcalloc(x->nsel, sizeof *x->fcat);
	x->fin = bm_xmalloc(x->nin * sizeof *x->fin);
	for (size_t i = 0; i < x->nin; i++)
		x->fin[i] = (fin_t){0, true, false, i + 1 < x->nin ? BM_CSV_QUICK_DELIM : BM_CSV_QUICK_EOL};
	bool quick = true;
	for (size_t j = 0; j < x->nsel; j++) {
		if (!x->dec[j].slot_num)
			x->fcat[x->nfcat++] = j;
		fin_t *f = &x->fin[x->c[j].in];
		quick &= f->skip; /* else a field read twice */
		f->col = j;
		f->skip = false;
		f->number = x->dec[j].slot_num;
	}
	if (!quick) {
		free(x->fin);
		x->fin = NULL;
	}
	return true;
}

void bm_clean_take_cats(ctx_t *x, rd_t *rd)
{
	for (size_t j = 0; j < x->nsel; j++) {
		bm_strmap_free(&x->c[j].cats);
		x->c[j].cats = rd->seen[j].cats;
		memset(&rd->seen[j].cats, 0, sizeof rd->seen[j].cats);
	}
}

uint32_t **bm_clean_encode_maps(const ctx_t *x, const rd_t *w, int64_t *const *remap)
{
	uint32_t **map = bm_xcalloc(x->nsel, sizeof *map);
	for (size_t j = 0; j < x->nsel; j++) {
		const col_t *c = &x->c[j];
		bool label = (int)j == x->label && !x->o->regression;
		if (c->type != T_ONEHOT && !label)
			continue;
		const int64_t *rm = remap ? remap[j] : NULL;
		size_t n = remap ? (rm ? w->seen[j].cats.n : 0) : c->cats.n;
		map[j] = bm_xmalloc((n ? n : 1) * sizeof **map);
		for (size_t k = 0; k < n; k++)
			map[j][k] = (uint32_t)((label ? 0 : c->xoff) + (size_t)c->cats.e[rm ? rm[k] : (int64_t)k].id);
	}
	return map;
}

void bm_clean_encode_maps_free(const ctx_t *x, uint32_t **map)
{
	if (map)
		for (size_t j = 0; j < x->nsel; j++)
			free(map[j]);
	free(map);
}

/* A category id, or -1 for missing. */
static int64_t slot_id(size_t sw, const unsigned char *row, size_t j)
{
	const unsigned char *p = row + (j + 1) * sw;
	if (sw == 8) {
		uint64_t u;
		memcpy(&u, p, 8);
		return u == SLOT_MISSING8 ? -1 : (int64_t)u;
	}
	uint32_t u;
	memcpy(&u, p, 4);
	return u == SLOT_MISSING4 ? -1 : (int64_t)u;
}

void bm_clean_encode_row(const ctx_t *x, const unsigned char *row, uint32_t *const *map, float *xr, void *y,
                         size_t yi)
{
	const size_t sw = x->sw;
	if (sw == 4 && x->scale == BM_SCALE_NONE) {
		/* the slots are the f32 values already (missing: a quiet NaN);
		 * numeric column i is x column i (layout) */
		if (x->num_run)
			memcpy(xr, row + (x->num[0] + 1) * 4, x->nnum * 4);
		else
			for (size_t i = 0; i < x->nnum; i++)
				memcpy(xr + i, row + (x->num[i] + 1) * 4, 4);
	} else {
		for (size_t i = 0; i < x->nnum; i++) {
			const col_stats_t *s = &x->c[x->num[i]].st;
			double v = bm_clean_slot_num(sw, row, x->num[i]);
			if (x->scale == BM_SCALE_STANDARDIZE)
				v = (v - s->mean) / (s->std > 0 ? s->std : 1);
			else if (x->scale == BM_SCALE_MINMAX)
				v = (v - s->min) / (s->max - s->min > 0 ? s->max - s->min : 1);
			xr[x->c[x->num[i]].xoff] = (float)v;
		}
	}
	memset(xr + x->nnum, 0, (x->d - x->nnum) * sizeof *xr); /* the one-hot columns, after the numbers */
	for (size_t i = 0; i < x->noh; i++) {
		int64_t k = slot_id(sw, row, x->oh[i]);
		if (k >= 0)
			xr[map[x->oh[i]][k]] = 1;
	}
	if (x->label >= 0) {
		if (x->o->regression)
			((float *)y)[yi] = (float)bm_clean_slot_num(sw, row, (size_t)x->label);
		else
			((int32_t *)y)[yi] = (int32_t)map[x->label][slot_id(sw, row, (size_t)x->label)];
	}
}

/* bm_spool_each's function: ROW into its output's frame (x->xmap). */
static int replay_row(void *arg, const unsigned char *row)
{
	ctx_t *x = arg;
	dest_t *d = &x->dest[row[0]];
	bm_clean_encode_row(x, row, x->xmap, d->x + d->rows * x->d, d->y, d->rows);
	if (++d->rows == x->frame_rows)
		return bm_clean_flush_tensor(x, d, false);
	return 0;
}

int bm_clean_replay(ctx_t *x)
{
	int rc = 0;
	if (!x->parts) {
		x->xmap = bm_clean_encode_maps(x, NULL, NULL);
		rc = bm_spool_each(&x->rd.spool, replay_row, x, true);
		bm_clean_encode_maps_free(x, x->xmap);
		x->xmap = NULL;
		return rc;
	}
	for (int k = 0; k < x->nparts; k++)
		x->parts[k].xmap = bm_clean_encode_maps(x, &x->parts[k].rd, x->parts[k].remap);
	bool done = false;
	rc = bm_clean_replay_parallel(x, &done);
	for (int k = 0; k < x->nparts && rc == 0 && !done; k++) {
		x->xmap = x->parts[k].xmap;
		rc = bm_spool_each(&x->parts[k].rd.spool, replay_row, x, true);
	}
	x->xmap = NULL;
	bm_clean_parts_free(x);
	return rc;
}
