/* bm_chart.c: learning curves, the confusion matrix and per-class bars. */
#include "bm_chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bm_fmt.h"

/* The best epoch's row: lowest val_loss, else lowest loss; -1 if neither. */
static long best_row(const bm_hist_t *h)
{
	int c = bm_hist_col(h, "val_loss");
	if (c < 0)
		c = bm_hist_col(h, "loss");
	if (c < 0)
		return -1;
	long best = -1;
	for (size_t r = 0; r < h->nrows; r++) {
		double v = h->v[r * h->ncols + (size_t)c];
		if (isfinite(v) && (best < 0 || v < h->v[(size_t)best * h->ncols + (size_t)c]))
			best = (long)r;
	}
	return best;
}

/* One series per column in COLS (NC of them, -1 skipped) against epoch. */
static void lines(bm_svg_t *s, const bm_hist_t *h, const int *cols, int nc, const char *ylabel,
		  bool mark_best)
{
	double ylo = INFINITY, yhi = -INFINITY;
	for (int i = 0; i < nc; i++)
		for (size_t r = 0; cols[i] >= 0 && r < h->nrows; r++) {
			double v = h->v[r * h->ncols + (size_t)cols[i]];
			if (isfinite(v))
				ylo = fmin(ylo, v), yhi = fmax(yhi, v);
		}
	double xlo = h->v[0], xhi = h->v[(h->nrows - 1) * h->ncols], xs, ys;
	for (size_t r = 0; r < h->nrows; r++)
		xlo = fmin(xlo, h->v[r * h->ncols]), xhi = fmax(xhi, h->v[r * h->ncols]);
	bm_svg_nice(&xlo, &xhi, &xs);
	if (xs < 1)
		xs = 1, xlo = floor(xlo), xhi = ceil(xhi) > xlo ? ceil(xhi) : xlo + 1;
	bm_svg_nice(&ylo, &yhi, &ys);
	bm_svg_frame_t f = {80, 50, s->w - 170, s->h - 60, xlo, xhi, ylo, yhi};
	bm_svg_axes(s, &f, xs, ys, "epoch", ylabel);
	for (int i = 0, k = 0; i < nc; i++) {
		if (cols[i] < 0)
			continue;
		bm_svg_raw(s, "<path class=\"curve\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\" d=\"",
			   bm_svg_palette[k % BM_SVG_NCOLORS], bm_svg_dash[k % 4]);
		bool pen = false;
		for (size_t r = 0; r < h->nrows; r++) {
			double v = h->v[r * h->ncols + (size_t)cols[i]];
			if (!isfinite(v)) {
				pen = false;
				continue;
			}
			bm_svg_raw(s, "%c%.1f %.1f", pen ? 'L' : 'M', bm_svg_px(&f, h->v[r * h->ncols]), bm_svg_py(&f, v));
			pen = true;
		}
		bm_svg_raw(s, "\"/>\n");
		double ly = f.y0 + 10 + 22 * k;
		bm_svg_raw(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>\n",
			   f.x1 + 15, ly, f.x1 + 45, ly, bm_svg_palette[k % BM_SVG_NCOLORS], bm_svg_dash[k % 4]);
		bm_svg_text(s, f.x1 + 52, ly + 4, "start", 12, false, h->names[cols[i]]);
		k++;
	}
	long b = mark_best ? best_row(h) : -1;
	if (b >= 0) {
		double x = bm_svg_px(&f, h->v[(size_t)b * h->ncols]);
		char t[64];
		char e[32];
		bm_fmt_double(e, sizeof e, h->v[(size_t)b * h->ncols]);
		snprintf(t, sizeof t, "best epoch %s", e);
		bm_svg_raw(s, "<line class=\"best\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-dasharray=\"3 3\"/>\n",
			   x, f.y0, x, f.y1);
		bm_svg_text(s, x + 4, f.y0 + 12, "start", 12, false, t);
	}
}

int bm_chart_history(bm_svg_t *s, const bm_hist_t *h, const char *metric, const char *title)
{
	char val[64];
	snprintf(val, sizeof val, "val_%s", metric);
	int cols[2] = {bm_hist_col(h, metric), bm_hist_col(h, val)};
	if (cols[0] < 0 && cols[1] < 0)
		return 1;
	bm_svg_begin(s, 720, 400, title);
	lines(s, h, cols, 2, metric, true);
	bm_svg_end(s);
	return 0;
}

int bm_chart_lr(bm_svg_t *s, const bm_hist_t *h, const char *title)
{
	int c = bm_hist_col(h, "lr");
	if (c < 0)
		return 1;
	bool changes = false;
	for (size_t r = 1; r < h->nrows; r++)
		changes |= h->v[r * h->ncols + (size_t)c] != h->v[c];
	if (!changes)
		return 1;
	bm_svg_begin(s, 720, 400, title);
	lines(s, h, &c, 1, "learning rate", false);
	bm_svg_end(s);
	return 0;
}

/* A cell's fill: white to Okabe-Ito blue (#0072B2) by SHARE in [0, 1]. */
static void cell_fill(char *buf, size_t size, double share)
{
	if (!(share >= 0))
		share = 0;
	int r = (int)lround(255 + (0x00 - 255) * share), g = (int)lround(255 + (0x72 - 255) * share),
	    b = (int)lround(255 + (0xB2 - 255) * share);
	snprintf(buf, size, "#%02X%02X%02X", r, g, b);
}

void bm_chart_confusion(bm_svg_t *s, const bm_cls_t *c, const char *title)
{
	size_t k = c->k;
	double cell = k <= 10 ? 56 : k <= 30 ? 24 : 600.0 / (double)k;
	int big = cell >= 40;
	double x0 = 170, y0 = 70, side = cell * (double)k;
	int w = (int)(x0 + side + 40), h = (int)(y0 + side + 150);
	bm_svg_begin(s, w < 420 ? 420 : w, h, title);
	for (size_t i = 0; i < k; i++) {
		uint64_t row = 0;
		for (size_t j = 0; j < k; j++)
			row += c->cm[i * k + j];
		for (size_t j = 0; j < k; j++) {
			uint64_t n = c->cm[i * k + j];
			double share = row ? (double)n / (double)row : 0;
			char fill[16], sh[32];
			cell_fill(fill, sizeof fill, share);
			bm_fmt_double(sh, sizeof sh, share);
			double x = x0 + cell * (double)j, y = y0 + cell * (double)i;
			bm_svg_raw(s, "<rect class=\"cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\">"
				   "<title>", x, y, cell, cell, fill);
			bm_svg_esc(&s->b, c->names[i]);
			bm_svg_raw(s, " as ");
			bm_svg_esc(&s->b, c->names[j]);
			bm_svg_raw(s, ": %llu (%s of the row)</title></rect>\n", (unsigned long long)n, sh);
			if (big) {
				const char *ink = share > 0.5 ? "#ffffff" : "#000000";
				bm_svg_raw(s, "<text class=\"count\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" fill=\"%s\">%llu</text>\n",
					   x + cell / 2, y + cell / 2, ink, (unsigned long long)n);
				bm_svg_raw(s, "<text class=\"share\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"%s\">%.0f%%</text>\n",
					   x + cell / 2, y + cell / 2 + 14, ink, 100 * share);
			}
		}
	}
	int fs = cell >= 14 ? 12 : 9;
	for (size_t i = 0; i < k && cell >= 9; i++) {
		double cy = y0 + cell * ((double)i + 0.5);
		bm_svg_text(s, x0 - 6, cy + 4, "end", fs, false, c->names[i]);
		double cx = x0 + cell * ((double)i + 0.5);
		bm_svg_raw(s, "<g transform=\"translate(%.1f %.1f) rotate(-45)\">\n", cx, y0 + side + 8);
		bm_svg_text(s, 0, 0, "end", fs, false, c->names[i]);
		bm_svg_raw(s, "</g>\n");
	}
	bm_svg_text(s, x0 + side / 2, y0 + side + 120, "middle", 13, false, "predicted label");
	bm_svg_raw(s, "<g transform=\"translate(16 %.1f) rotate(-90)\">\n", y0 + side / 2);
	bm_svg_text(s, 0, 0, "middle", 13, false, "true label");
	bm_svg_raw(s, "</g>\n");
	bm_svg_text(s, x0 + side / 2, y0 - 10, "middle", 12, false,
		    "cells: count and share of the true label's row");
	bm_svg_end(s);
}

void bm_chart_bars(bm_svg_t *s, const bm_cls_t *c, const char *title)
{
	size_t k = c->k;
	double group = k <= 20 ? 60 : 12;
	int w = (int)(100 + group * (double)k + 160);
	bm_svg_begin(s, w < 480 ? 480 : w, 420, title);
	bm_svg_frame_t f = {80, 50, 80 + group * (double)k, 300, 0, (double)k, 0, 1};
	bm_svg_axes(s, &f, 0, 0.2, "", "score");
	const char *what[3] = {"precision", "recall", "f1"};
	const double *val[3] = {c->precision, c->recall, c->f1};
	double bw = group * 0.8 / 3;
	for (size_t i = 0; i < k; i++) {
		for (int m = 0; m < 3; m++) {
			double v = val[m][i], vv = isfinite(v) ? fmin(fmax(v, 0), 1) : 0;
			char t[32];
			bm_fmt_double(t, sizeof t, v);
			double x = f.x0 + group * (double)i + group * 0.1 + bw * m, y = bm_svg_py(&f, vv);
			bm_svg_raw(s, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
				   x, y, bw, f.y1 - y, bm_svg_palette[m]);
			bm_svg_esc(&s->b, c->names[i]);
			bm_svg_raw(s, " %s: %s</title></rect>\n", what[m], t);
		}
		double cx = f.x0 + group * ((double)i + 0.5);
		bm_svg_raw(s, "<g transform=\"translate(%.1f %.1f) rotate(-45)\">\n", cx, f.y1 + 14);
		bm_svg_text(s, 0, 0, "end", k <= 20 ? 12 : 9, false, c->names[i]);
		bm_svg_raw(s, "</g>\n");
	}
	for (int m = 0; m < 3; m++) {
		double ly = f.y0 + 10 + 22 * m;
		bm_svg_raw(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", f.x1 + 15, ly - 10,
			   bm_svg_palette[m]);
		bm_svg_text(s, f.x1 + 35, ly + 2, "start", 12, false, what[m]);
	}
	bm_svg_end(s);
}
