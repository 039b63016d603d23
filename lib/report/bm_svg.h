/* bm_svg.h: an SVG writer for bm-report's charts: a document in a bm_buf,
 * escaped text, and a plot frame with linear axes, "nice" ticks (steps of
 * 1, 2 or 5 times a power of ten) and labels.
 *
 * The palette is Okabe and Ito's (2008) eight colours, distinct under the
 * common colour-vision deficiencies; curves also differ by dash pattern so
 * they survive grayscale. Text is 12-14 px sans-serif, readable at 100 %.
 */
#ifndef BM_SVG_H
#define BM_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "bm_buf.h"

#define BM_SVG_NCOLORS 8
extern const char *const bm_svg_palette[BM_SVG_NCOLORS];
/* Dash patterns for series 0, 1, ...: solid, dashed, dotted, dash-dot. */
extern const char *const bm_svg_dash[4];

typedef struct {
	bm_buf_t b;
	int w, h;
} bm_svg_t;

/* A plot area in pixels and the data range it shows. */
typedef struct {
	double x0, y0, x1, y1; /* left, top, right, bottom */
	double xlo, xhi, ylo, yhi;
} bm_svg_frame_t;

/* Start a W x H document titled TITLE (drawn at the top, and its <title>). */
void bm_svg_begin(bm_svg_t *s, int w, int h, const char *title);
/* Close the document; S->b.s then holds it (the caller frees it). */
void bm_svg_end(bm_svg_t *s);
/* Append printf's text of FMT unescaped (markup). */
void bm_svg_raw(bm_svg_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append S's text with &, <, >, " escaped, bytes below 0x20 as '?'. */
void bm_svg_esc(bm_buf_t *b, const char *str);
/* A <text> at X, Y: ANCHOR start, middle or end; SIZE px; BOLD. */
void bm_svg_text(bm_svg_t *s, double x, double y, const char *anchor, int size, bool bold,
		 const char *str);
/* A number as text: V with DIGITS decimals, without trailing zeros. */
void bm_svg_num(char *buf, size_t size, double v, int digits);

/* Widen [*LO, *HI] to whole ticks; the step in *STEP (a range of one value
 * grows to one step around it). */
void bm_svg_nice(double *lo, double *hi, double *step);
/* Data to pixels in frame F. */
double bm_svg_px(const bm_svg_frame_t *f, double x);
double bm_svg_py(const bm_svg_frame_t *f, double y);
/* Draw F's axes, grid, ticks (XSTEP, YSTEP apart; XSTEP 0: none on x) and their labels, and the
 * axis titles XLABEL and YLABEL. */
void bm_svg_axes(bm_svg_t *s, const bm_svg_frame_t *f, double xstep, double ystep,
		 const char *xlabel, const char *ylabel);

#endif
