/* bm_html.h: bm-report's page: read the inputs, draw every chart that
 * applies, and write them as one self-contained HTML file (inline SVG and
 * CSS, no script, nothing fetched) or as one SVG file per chart.
 */
#ifndef BM_HTML_H
#define BM_HTML_H

typedef struct {
	const char *history; /* bm-train --history TSV */
	const char *eval;    /* bm-eval -f json */
	const char *stream;  /* a tensor stream with y and p or pred */
	const char *title;   /* the page's title (NULL: "bm report") */
	const char *output;  /* the HTML file (NULL or "-": stdout) */
	const char *svgdir;  /* write DIR/NAME.svg per chart instead */
} bm_html_opts_t;

/* Do it. Returns the number of charts written, or -1 with bm_errmsg()
 * (nothing written: "NAME:LINE: what", I/O errors, "no input gives a
 * chart"). */
int bm_html_run(const bm_html_opts_t *o);

#endif
