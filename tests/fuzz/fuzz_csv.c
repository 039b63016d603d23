/* fuzz_csv: the CSV reader (bm_csv_open, bm_csv_next) with each dialect
 * option that changes parsing, every record read to the end or the first
 * error. The first four bytes pick the options (fuzz_csv.h), the rest is
 * the CSV:
 *   bytes 0-2: the delimiter, the quote, the comment;
 *   byte 3: bit 0 strict, bit 1 threaded (bm-clean's gzip input with -j2),
 *           bit 2 the input as a byte range (bm_csv_open_range, how
 *           bm-clean reads the parts of a file, from offset bits 5-7),
 *           bits 3-4 the CPU level (BM_CPU generic, sse2, the processor's).
 * Each field's value and raw bytes are read whole, so a wrong length or
 * pointer shows as an out-of-bounds read. */
#include "fuzz.h"
#include "bm_cpu.h"
#include "bm_csv.h"
#include "bm_err.h"
#include "fuzz_csv.h"

static const char *const levels[] = {"generic", "sse2", "", ""};
static volatile unsigned sink; /* the bytes read are used */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	bm_csv_opts_t o = fuzz_csv_dialect(data);
	bool range = (data[3] & 4) != 0;
	size_t off = data[3] >> 5;
	setenv("BM_CPU", levels[(data[3] >> 3) & 3], 1);
	bm_cpu_init();
	data += 4;
	size -= 4;

	int fd = -1;
	bm_csv_t *r;
	if (range) {
		fd = fuzz_memfd(data, size);
		off = off < size ? off : size;
		r = bm_csv_open_range(fd, "fuzz", off, size - off, &o);
	} else
		r = bm_csv_open(fuzz_in(data, size, "fuzz"), &o);
	if (!r)
		abort();
	bm_csv_rec_t *rec;
	unsigned sum = 0;
	uint64_t line = 0;
	int st;
	while ((st = bm_csv_next(r, &rec)) > 0) {
		if (rec->line <= line) /* records go forward */
			abort();
		line = rec->line;
		for (size_t i = 0; i < rec->rawlen; i++)
			sum += (unsigned char)rec->raw[i];
		for (size_t k = 0; k < rec->n; k++) {
			const bm_csv_field_t *f = &rec->f[k];
			for (size_t i = 0; i < f->len; i++)
				sum += (unsigned char)f->val[i];
			for (size_t i = 0; i < f->rawlen; i++)
				sum += (unsigned char)f->raw[i];
			if (!f->quoted && (f->val != f->raw || f->len != f->rawlen))
				abort();
		}
	}
	if (st < 0 && !*bm_errmsg())
		abort(); /* an error must say what */
	sink = sum;
	bm_csv_close(r);
	if (fd >= 0)
		close(fd);
	unsetenv("BM_CPU");
	bm_cpu_init();
	return 0;
}
