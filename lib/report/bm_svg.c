/* bm_svg.c: the SVG document, text and axes of bm-report's charts. */
#include "bm_svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Okabe & Ito, "Color Universal Design" (2008): black first for the axes'
 * sake is left out; blue, vermillion, bluish green, orange, reddish purple,
 * sky blue, yellow, black. */
const char *const bm_svg_palette[BM_SVG_NCOLORS] = {
	"#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
};
const char *const bm_svg_dash[4] = {"none", "6 3", "2 2", "6 2 2 2"};

void bm_svg_raw(bm_svg_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[512];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		bm_buf_add(&s->b, tmp, (size_t)n);
		return;
	}
	bm_buf_reserve(&s->b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(s->b.s + s->b.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->b.len += (size_t)n;
}

void bm_svg_esc(bm_buf_t *b, const char *str)
{
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		switch (*p) {
		case '&': bm_buf_addstr(b, "&amp;"); break;
		case '<': bm_buf_addstr(b, "&lt;"); break;
		case '>': bm_buf_addstr(b, "&gt;"); break;
		case '"': bm_buf_addstr(b, "&quot;"); break;
		default: {
			char c = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
			bm_buf_add(b, &c, 1);
		}
		}
	}
}

void bm_svg_begin(bm_svg_t *s, int w, int h, const char *title)
{
	memset(s, 0, sizeof *s);
	s->w = w;
	s->h = h;
	bm_svg_raw(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
		   "<title>", w, h, w, h);
	bm_svg_esc(&s->b, title);
	bm_svg_raw(s, "</title>\n<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		   w, h);
	bm_svg_text(s, w / 2.0, 22, "middle", 15, true, title);
}

void bm_svg_end(bm_svg_t *s) { bm_svg_raw(s, "</svg>\n"); }

void bm_svg_text(bm_svg_t *s, double x, double y, const char *anchor, int size, bool bold,
		 const char *str)
{
	bm_svg_raw(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s fill=\"#000000\">",
		   x, y, anchor, size, bold ? " font-weight=\"bold\"" : "");
	bm_svg_esc(&s->b, str);
	bm_svg_raw(s, "</text>\n");
}

void bm_svg_num(char *buf, size_t size, double v, int digits)
{
	if (!isfinite(v)) {
		snprintf(buf, size, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	snprintf(buf, size, "%.*f", digits, v);
	if (strchr(buf, '.')) {
		char *e = buf + strlen(buf) - 1;
		while (*e == '0')
			*e-- = 0;
		if (*e == '.')
			*e = 0;
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, size, "0");
}

void bm_svg_nice(double *lo, double *hi, double *step)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0, *hi = 1, *step = 0.2;
		return;
	}
	if (*hi - *lo <= 0) {
		double d = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1;
		*lo -= d, *hi += d;
	}
	double raw = (*hi - *lo) / 5, p = pow(10, floor(log10(raw))), m = raw / p;
	*step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
	*lo = floor(*lo / *step + 1e-9) * *step;
	*hi = ceil(*hi / *step - 1e-9) * *step;
}

double bm_svg_px(const bm_svg_frame_t *f, double x)
{
	return f->x0 + (x - f->xlo) / (f->xhi - f->xlo) * (f->x1 - f->x0);
}

double bm_svg_py(const bm_svg_frame_t *f, double y)
{
	return f->y1 - (y - f->ylo) / (f->yhi - f->ylo) * (f->y1 - f->y0);
}

/* Decimals that show STEP's ticks apart (0 where there are no ticks). */
static int step_digits(double step)
{
	if (!(step > 0) || !isfinite(step))
		return 0;
	int d = (int)ceil(-log10(step) - 1e-9);
	return d < 0 ? 0 : d > 12 ? 12 : d;
}

void bm_svg_axes(bm_svg_t *s, const bm_svg_frame_t *f, double xstep, double ystep,
		 const char *xlabel, const char *ylabel)
{
	char t[64];
	bm_svg_raw(s, "<g class=\"axes\" stroke=\"#000000\" stroke-width=\"1\">\n");
	bm_svg_raw(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", f->x0, f->y1, f->x1, f->y1);
	bm_svg_raw(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", f->x0, f->y0, f->x0, f->y1);
	bm_svg_raw(s, "</g>\n");
	int xd = step_digits(xstep), yd = step_digits(ystep);
	for (int i = 0; xstep > 0 && i <= 1000; i++) {
		double v = f->xlo + i * xstep;
		if (v > f->xhi + xstep * 1e-6)
			break;
		double x = bm_svg_px(f, v);
		bm_svg_raw(s, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
			   x, f->y1, x, f->y1 + 5);
		bm_svg_num(t, sizeof t, v, xd);
		bm_svg_text(s, x, f->y1 + 18, "middle", 12, false, t);
	}
	for (int i = 0; i <= 1000; i++) {
		double v = f->ylo + i * ystep;
		if (v > f->yhi + ystep * 1e-6)
			break;
		double y = bm_svg_py(f, v);
		bm_svg_raw(s, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n",
			   f->x0, y, f->x1, y);
		bm_svg_raw(s, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
			   f->x0 - 5, y, f->x0, y);
		bm_svg_num(t, sizeof t, v, yd);
		bm_svg_text(s, f->x0 - 8, y + 4, "end", 12, false, t);
	}
	bm_svg_text(s, (f->x0 + f->x1) / 2, f->y1 + 38, "middle", 13, false, xlabel);
	double cy = (f->y0 + f->y1) / 2;
	bm_svg_raw(s, "<g transform=\"translate(%.1f %.1f) rotate(-90)\">\n", f->x0 - 52, cy);
	bm_svg_text(s, 0, 0, "middle", 13, false, ylabel);
	bm_svg_raw(s, "</g>\n");
}
