/* bm_html.c: bm-report's inputs to charts to one page or SVG files. */
#include "bm_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_chart.h"
#include "bm_err.h"
#include "bm_eval.h"
#include "bm_io.h"

#define MAX_CHARTS 8

typedef struct {
	const char *name; /* file name stem and element id */
	char *svg;
} chart_t;

static int slurp(const char *path, char **buf, size_t *len)
{
	bm_in_t *in = bm_in_open(path);
	if (!in)
		return -1;
	int rc = bm_in_read_all(in, BM_RINPUT_MAX, buf, len);
	if (rc == 1)
		bm_seterr("%s: longer than %zu MiB", bm_in_name(in), BM_RINPUT_MAX >> 20);
	bm_in_close(in);
	return rc == 0 ? 0 : -1;
}

static const char CSS[] =
	"body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px;color:#000;background:#fff}"
	"h1{font-size:22px}h2{font-size:16px;margin-top:28px}figure{margin:0 0 16px 0}"
	"svg{max-width:100%;height:auto;border:1px solid #ccc}p.note{font-size:13px;color:#333}";

static void add(chart_t *ch, int *n, const char *name, bm_svg_t *s)
{
	ch[*n].name = name;
	ch[*n].svg = s->b.s;
	(*n)++;
}

static int write_page(const bm_html_opts_t *o, chart_t *ch, int n, const char *title)
{
	bm_out_t *out = bm_out_open(o->output, 0);
	if (!out)
		return -1;
	bm_buf_t t = {0};
	bm_svg_esc(&t, title);
	int rc = bm_out_printf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
				    "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s</h1>\n",
			       t.s, CSS, t.s);
	free(t.s);
	for (int i = 0; rc == 0 && i < n; i++) {
		rc = bm_out_printf(out, "<figure id=\"%s\">\n", ch[i].name);
		if (rc == 0)
			rc = bm_out_write(out, ch[i].svg, strlen(ch[i].svg));
		if (rc == 0)
			rc = bm_out_printf(out, "</figure>\n");
	}
	if (rc == 0)
		rc = bm_out_printf(out, "<p class=\"note\">Drawn by bm-report. Colours: Okabe-Ito palette.</p>\n</body>\n</html>\n");
	if (rc < 0) {
		bm_out_abort(out);
		return -1;
	}
	return bm_out_commit(out);
}

static int write_svgs(const bm_html_opts_t *o, chart_t *ch, int n)
{
	for (int i = 0; i < n; i++) {
		char path[4096];
		if ((size_t)snprintf(path, sizeof path, "%s/%s.svg", o->svgdir, ch[i].name) >= sizeof path) {
			bm_seterr("%s: path too long", o->svgdir);
			return -1;
		}
		bm_out_t *out = bm_out_open(path, 0);
		if (!out)
			return -1;
		if (bm_out_write(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) < 0 ||
		    bm_out_write(out, ch[i].svg, strlen(ch[i].svg)) < 0) {
			bm_out_abort(out);
			return -1;
		}
		if (bm_out_commit(out) < 0)
			return -1;
	}
	return 0;
}

int bm_html_run(const bm_html_opts_t *o)
{
	chart_t ch[MAX_CHARTS];
	int n = 0, rc = -1;
	bm_hist_t h = {0};
	bm_cls_t c = {0};
	bool have_h = false, have_c = false;
	char *buf = NULL;
	size_t len;
	const char *title = o->title ? o->title : "bm report";
	if (o->history) {
		if (slurp(o->history, &buf, &len) < 0 || bm_hist_parse(buf, len, o->history, &h) < 0)
			goto out;
		have_h = true;
		free(buf);
		buf = NULL;
	}
	if (o->eval) {
		if (slurp(o->eval, &buf, &len) < 0 || bm_cls_parse_json(buf, len, o->eval, &c) < 0)
			goto out;
		have_c = true;
	} else if (o->stream) {
		bm_eval_opts_t eo = {.stream = o->stream, .topk = 2};
		bm_eval_t ev;
		if (bm_eval_run(&eo, &ev) < 0)
			goto out;
		int r = bm_cls_from_eval(&ev, o->stream, &c);
		bm_eval_free(&ev);
		if (r < 0)
			goto out;
		have_c = true;
	}
	bm_svg_t s;
	if (have_h) {
		if (bm_chart_history(&s, &h, "loss", "Loss per epoch") == 0)
			add(ch, &n, "loss", &s);
		if (bm_chart_history(&s, &h, "accuracy", "Accuracy per epoch") == 0)
			add(ch, &n, "accuracy", &s);
		if (bm_chart_lr(&s, &h, "Learning rate per epoch") == 0)
			add(ch, &n, "lr", &s);
	}
	if (have_c) {
		char t[96];
		if (c.accuracy == c.accuracy)
			snprintf(t, sizeof t, "Confusion matrix (%llu rows, accuracy %.4f)", (unsigned long long)c.rows,
				 c.accuracy);
		else
			snprintf(t, sizeof t, "Confusion matrix");
		bm_chart_confusion(&s, &c, t);
		add(ch, &n, "confusion", &s);
		bm_chart_bars(&s, &c, "Precision, recall and F1 per class");
		add(ch, &n, "per_class", &s);
	}
	if (n == 0) {
		bm_seterr("no input gives a chart (give --history, --eval or --pred)");
		goto out;
	}
	rc = o->svgdir ? write_svgs(o, ch, n) : write_page(o, ch, n, title);
	if (rc == 0)
		rc = n;
out:
	for (int i = 0; i < n; i++)
		free(ch[i].svg);
	free(buf);
	bm_hist_free(&h);
	bm_cls_free(&c);
	return rc;
}
