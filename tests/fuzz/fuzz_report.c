/* fuzz_report: bm-report's readers. The first byte picks one: even, the
 * bm-train history TSV; odd, bm-eval's json; the rest is the file. What
 * parses is drawn, as bm-report draws it. */
#include "fuzz.h"
#include "bm_chart.h"
#include "bm_rinput.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	bm_svg_t s;
	if (data[0] & 1) {
		bm_cls_t c;
		if (bm_cls_parse_json(text, len, "f", &c) == 0) {
			bm_chart_confusion(&s, &c, "t");
			free(s.b.s);
			bm_chart_bars(&s, &c, "t");
			free(s.b.s);
			bm_cls_free(&c);
		}
	} else {
		bm_hist_t h;
		if (bm_hist_parse(text, len, "f", &h) == 0) {
			if (bm_chart_history(&s, &h, "loss", "t") == 0)
				free(s.b.s);
			if (bm_chart_lr(&s, &h, "t") == 0)
				free(s.b.s);
			bm_hist_free(&h);
		}
	}
	return 0;
}
