/* fuzz_clean_stats: bm-clean's stats file, loaded as `bm-clean
 * --load-stats FILE` loads it: bm_clean_run on a small fixed CSV, with the
 * stats file the input's bytes after the first two, which pick the options:
 *   byte 0: bit 0 --tensor, bit 1 --label y (bit 2 also: --regression
 *           --label c), bit 3 --standardize, bits 4-5 --fillna
 *           none/mean/median/mode, bit 6 --dropna, bit 7 --columns a,b,y;
 *   byte 1: bit 0 --split 0.5 --test-out /dev/null (bit 1 also:
 *           --stratify), bit 2 --dedup, bit 3 --onehot b, bit 4 --ffill.
 * The output goes to /dev/null; a failure must leave a message. */
#include "fuzz.h"
#include "bm_clean.h"
#include "bm_cli.h"
#include "bm_err.h"

static const char csv[] = "a,b,c,y\n"
                          "1,x,2.5,cat\n"
                          ",y,3,dog\n"
                          "NA,x,,cat\n"
                          "4,z,1e3,bird\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned bits = data[0], more = data[1];
	int sfd = fuzz_memfd(data + 2, size - 2), cfd = fuzz_memfd((const uint8_t *)csv, sizeof csv - 1);
	char spath[64], cpath[64];
	snprintf(spath, sizeof spath, "/proc/self/fd/%d", sfd);
	snprintf(cpath, sizeof cpath, "/proc/self/fd/%d", cfd);
	static const char *const fills[] = {"mean", "median", "mode"};
	const char *fill[1] = {fills[((bits >> 4) & 3) ? ((bits >> 4) & 3) - 1 : 0]};

	bm_clean_opts_t o;
	bm_clean_opts_init(&o);
	o.load_stats = spath;
	o.output = "/dev/null";
	o.tensor = bits & 1;
	if (bits & 2)
		o.label = "y";
	if (bits & 4) {
		o.regression = true;
		o.label = "c";
	}
	if (bits & 8)
		o.scale = BM_SCALE_STANDARDIZE;
	if ((bits >> 4) & 3) {
		o.fillna = fill;
		o.nfillna = 1;
	}
	if (bits & 64)
		o.dropna = BM_DROPNA_ANY;
	if (bits & 128)
		o.columns = "a,b,y";
	if (more & 1) {
		o.split = 0.5;
		o.test_out = "/dev/null";
		o.stratify = (more & 2) != 0;
	}
	o.dedup = (more & 4) != 0;
	if (more & 8)
		o.onehot = "b";
	o.ffill = (more & 16) != 0;
	if (bm_clean_check_opts(&o) == 0) {
		char *files[1] = {cpath};
		bm_seterr("%s", "");
		if (bm_clean_run(&o, files, 1) != BM_EXIT_OK && !*bm_errmsg())
			abort(); /* a failure must say what */
	}
	close(sfd);
	close(cfd);
	return 0;
}
