/* Unit tests of the stream module: BMT1 frames, .npy, gzip, and every
 * malformed input the reader must turn into one error line. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "bm_io.h"
#include "bm_npy.h"
#include "bm_stream.h"
#include "check_main.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/check_stream.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.bmt", dir);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_bytes(const char *p, const void *buf, size_t n)
{
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static long file_size(const char *p)
{
	FILE *f = fopen(p, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

/* A valid 64-byte header for hand-made (and then broken) frames. */
static void make_header(unsigned char *h, int dtype, int ndim, const uint64_t *dims, const char *name)
{
	memset(h, 0, 64);
	memcpy(h, "BMT1", 4);
	h[4] = (unsigned char)dtype;
	h[5] = (unsigned char)ndim;
	for (int i = 0; i < ndim; i++)
		for (int b = 0; b < 8; b++)
			h[8 + 8 * i + b] = (unsigned char)(dims[i] >> (8 * b));
	memcpy(h + 40, name, strlen(name));
}

/* Read every frame of PATH; return the error message of the first failure,
 * or "" when all frames read. */
static const char *read_all(const char *p)
{
	static char msg[512];
	bm_reader_t *r = bm_reader_open(p);
	if (!r) {
		snprintf(msg, sizeof msg, "%s", bm_errmsg());
		return msg;
	}
	bm_tensor_t t = {0};
	int k;
	while ((k = bm_reader_next(r, &t)) > 0)
		;
	snprintf(msg, sizeof msg, "%s", k < 0 ? bm_errmsg() : "");
	bm_tensor_free(&t);
	bm_reader_close(r);
	return msg;
}

/* Expect reading bytes BUF to fail with "PATH: MESSAGE". */
static void expect_error(const void *buf, size_t n, const char *message)
{
	write_bytes(path, buf, n);
	char want[512];
	snprintf(want, sizeof want, "%s: %s", path, message);
	ck_assert_str_eq(read_all(path), want);
}

START_TEST(round_trip_every_dtype_and_ndim)
{
	static const uint64_t shapes[5][4] = {{0}, {5}, {3, 2}, {2, 3, 2}, {1, 2, 1, 3}};
	bm_out_t *out = bm_out_open(path, BM_OUT_BINARY);
	ck_assert_ptr_nonnull(out);
	unsigned char data[128];
	for (int i = 0; i < 128; i++)
		data[i] = (unsigned char)(i * 37 + 1);
	int frames = 0;
	for (int dt = BM_F32; dt <= BM_I8; dt++)
		for (int nd = 0; nd <= 4; nd++, frames++) {
			char name[24];
			snprintf(name, sizeof name, "%s_%d", bm_dtype_name(dt), nd);
			ck_assert_int_eq(bm_write_frame(out, name, dt, nd, shapes[nd], data), 0);
		}
	ck_assert_int_eq(bm_out_commit(out), 0);
	ck_assert_int_eq(file_size(path) % 64, 0);

	bm_reader_t *r = bm_reader_open(path);
	ck_assert_ptr_nonnull(r);
	bm_tensor_t t = {0};
	for (int dt = BM_F32; dt <= BM_I8; dt++)
		for (int nd = 0; nd <= 4; nd++) {
			ck_assert_int_eq(bm_reader_next(r, &t), 1);
			char name[24];
			snprintf(name, sizeof name, "%s_%d", bm_dtype_name(dt), nd);
			ck_assert_str_eq(t.name, name);
			ck_assert_int_eq(t.dtype, dt);
			ck_assert_int_eq(t.ndim, nd);
			for (int i = 0; i < 4; i++)
				ck_assert_uint_eq(t.dims[i], i < nd ? shapes[nd][i] : 0);
			ck_assert_int_eq(memcmp(t.data, data, bm_tensor_bytes(&t)), 0);
		}
	ck_assert_int_eq(bm_reader_next(r, &t), 0);
	ck_assert_uint_eq(bm_reader_frame_index(r), (uint64_t)frames); /* at the end: the count */
	bm_tensor_free(&t);
	bm_reader_close(r);
}
END_TEST

START_TEST(frame_layout_is_byte_exact)
{
	/* f32 [2] named "x": header, 8 bytes of data, 56 of padding. */
	bm_out_t *out = bm_out_open(path, 0);
	const float v[2] = {1.0f, -2.0f};
	uint64_t dims[1] = {2};
	ck_assert_int_eq(bm_write_frame(out, "x", BM_F32, 1, dims, v), 0);
	ck_assert_int_eq(bm_out_commit(out), 0);
	unsigned char want[128] = {0};
	make_header(want, BM_F32, 1, dims, "x");
	memcpy(want + 64, "\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
	unsigned char got[200];
	FILE *f = fopen(path, "rb");
	ck_assert_uint_eq(fread(got, 1, sizeof got, f), 128);
	fclose(f);
	ck_assert_int_eq(memcmp(got, want, 128), 0);
}
END_TEST

START_TEST(zero_row_frames)
{
	bm_out_t *out = bm_out_open(path, 0);
	uint64_t dims[2] = {0, 7};
	ck_assert_int_eq(bm_write_frame(out, "x", BM_F32, 2, dims, NULL), 0);
	ck_assert_int_eq(bm_write_frame(out, "y", BM_I32, 1, dims, NULL), 0);
	ck_assert_int_eq(bm_out_commit(out), 0);
	ck_assert_int_eq(file_size(path), 128);
	bm_reader_t *r = bm_reader_open(path);
	bm_tensor_t t = {0};
	ck_assert_int_eq(bm_reader_next(r, &t), 1);
	ck_assert_uint_eq(t.dims[0], 0);
	ck_assert_uint_eq(t.dims[1], 7);
	ck_assert_uint_eq(bm_tensor_bytes(&t), 0);
	ck_assert_int_eq(bm_reader_next(r, &t), 1);
	ck_assert_str_eq(t.name, "y");
	ck_assert_int_eq(bm_reader_next(r, &t), 0);
	bm_tensor_free(&t);
	bm_reader_close(r);
}
END_TEST

START_TEST(gzip_out_and_in)
{
	snprintf(path, sizeof path, "%s/s.bmt.gz", dir);
	bm_out_t *out = bm_out_open(path, 0); /* .gz implies compression */
	int32_t y[1000];
	for (int i = 0; i < 1000; i++)
		y[i] = i % 10;
	uint64_t dims[1] = {1000};
	ck_assert_int_eq(bm_write_frame(out, "y", BM_I32, 1, dims, y), 0);
	ck_assert_int_eq(bm_out_commit(out), 0);
	ck_assert_int_lt(file_size(path), 1000);
	bm_in_t *in = bm_in_open(path);
	const void *p;
	ck_assert_int_eq(bm_in_peek(in, &p, 4), 4);
	ck_assert_int_eq(bm_in_is_gzip(in), 1);
	bm_reader_t *r = bm_reader_from(in);
	bm_tensor_t t = {0};
	ck_assert_int_eq(bm_reader_next(r, &t), 1);
	ck_assert_int_eq(memcmp(t.data, y, sizeof y), 0);
	ck_assert_int_eq(bm_reader_next(r, &t), 0);
	bm_tensor_free(&t);
	bm_reader_close(r);
}
END_TEST

START_TEST(gzip_truncated)
{
	/* Compress a frame, then cut the gzip stream in the middle. */
	unsigned char frame[128] = {0};
	uint64_t dims[1] = {16};
	make_header(frame, BM_F32, 1, dims, "x");
	unsigned char z[512];
	z_stream s = {0};
	ck_assert_int_eq(deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = frame;
	s.avail_in = sizeof frame;
	s.next_out = z;
	s.avail_out = sizeof z;
	ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	size_t n = sizeof z - s.avail_out;
	deflateEnd(&s);
	write_bytes(path, z, n - 10);
	char want[256];
	snprintf(want, sizeof want, "%s: truncated gzip data", path);
	ck_assert_str_eq(read_all(path), want);
}
END_TEST

START_TEST(npy_written_and_read)
{
	snprintf(path, sizeof path, "%s/a.npy", dir);
	char h[256];
	uint64_t dims[2] = {2, 3};
	int n = bm_npy_header(h, sizeof h, BM_I64, 2, dims);
	ck_assert_int_eq(n % 64, 0);
	ck_assert_int_eq(h[n - 1], '\n');
	ck_assert_ptr_nonnull(strstr(h + 10, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }"));
	int64_t v[6] = {1, -2, 3, -4, 5, 1LL << 40};
	char buf[512];
	memcpy(buf, h, (size_t)n);
	memcpy(buf + n, v, sizeof v);
	write_bytes(path, buf, (size_t)n + sizeof v);
	bm_reader_t *r = bm_reader_open(path);
	ck_assert_int_eq(bm_reader_is_npy(r), 1);
	bm_reader_set_npy_name(r, "labels");
	bm_tensor_t t = {0};
	ck_assert_int_eq(bm_reader_next(r, &t), 1);
	ck_assert_str_eq(t.name, "labels");
	ck_assert_int_eq(t.dtype, BM_I64);
	ck_assert_int_eq(t.ndim, 2);
	ck_assert_int_eq(memcmp(t.data, v, sizeof v), 0);
	ck_assert_int_eq(bm_reader_next(r, &t), 0);
	bm_tensor_free(&t);
	bm_reader_close(r);
}
END_TEST

/* A .npy of version MAJOR with header text DICT and DATA bytes. */
static size_t make_npy(unsigned char *buf, int major, const char *dict, const void *data, size_t n)
{
	size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (unsigned char)major;
	buf[7] = 0;
	for (size_t b = 0; b < pre - 8; b++)
		buf[8 + b] = (unsigned char)(len >> (8 * b));
	memcpy(buf + pre, dict, len);
	memcpy(buf + pre + len, data, n);
	return pre + len + n;
}

START_TEST(npy_versions_2_and_3)
{
	snprintf(path, sizeof path, "%s/v.npy", dir);
	const float v[3] = {1.5f, 2.5f, -3.0f};
	for (int major = 2; major <= 3; major++) {
		unsigned char buf[256];
		size_t n = make_npy(buf, major, "{'shape': (3,), 'fortran_order': False, 'descr': '<f4'}   \n", v, sizeof v);
		write_bytes(path, buf, n);
		bm_reader_t *r = bm_reader_open(path);
		bm_tensor_t t = {0};
		ck_assert_int_eq(bm_reader_next(r, &t), 1);
		ck_assert_int_eq(t.ndim, 1);
		ck_assert_uint_eq(t.dims[0], 3);
		ck_assert_int_eq(memcmp(t.data, v, sizeof v), 0);
		bm_tensor_free(&t);
		bm_reader_close(r);
	}
}
END_TEST

START_TEST(npy_malformed)
{
	snprintf(path, sizeof path, "%s/bad.npy", dir);
	unsigned char buf[256];
	char want[256];
	static const struct {
		int major;
		const char *dict, *message;
	} cases[] = {
		{1, "{'descr': '>u2', 'fortran_order': False, 'shape': (1,), }\n",
		 ".npy dtype '>u2' is not supported (f4 f8 i4 i8 u1 i1, b1 as u8, f2 as f4 are)"},
		{1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n",
		 ".npy dtype '<c8' is not supported (f4 f8 i4 i8 u1 i1, b1 as u8, f2 as f4 are)"},
		{1, "{'descr': '|f4', 'fortran_order': True, 'shape': (1,), }\n",
		 ".npy dtype '|f4' is not supported (f4 f8 i4 i8 u1 i1, b1 as u8, f2 as f4 are)"},
		{1, "{'descr': '<f4', 'shape': (1,), }\n", ".npy header is not a dict of descr, fortran_order and shape"},
		{1, "[1, 2, 3]\n", ".npy header is not a dict of descr, fortran_order and shape"},
		{1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n",
		 ".npy header is not a dict of descr, fortran_order and shape"},
		{1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1), }\n",
		 ".npy has more than 4 dimensions"},
		{4, "{}", ".npy version 4.0 is not supported (1.0 to 3.0 are)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = make_npy(buf, cases[i].major, cases[i].dict, "\0\0\0\0", 4);
		snprintf(want, sizeof want, "frame 0 at byte 0: %s", cases[i].message);
		expect_error(buf, n, want);
	}
	/* Data shorter than the shape says. */
	size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }\n", "abcd", 4);
	expect_error(buf, n, "frame 0 at byte 0: truncated data (4 of 4000 bytes)");
	/* A header cut short. */
	n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", "", 0);
	expect_error(buf, n - 20, "frame 0 at byte 0: truncated .npy header");
}
END_TEST

START_TEST(malformed_frames)
{
	unsigned char f[256];
	uint64_t d2[2] = {2, 3}, d1[1] = {4};

	memcpy(f, "XMT1", 4);
	memset(f + 4, 0, 60);
	expect_error(f, 64, "frame 0 at byte 0: not a BMT1 stream or .npy file (bad magic)");

	/* A good frame, then a bad magic at byte 128. */
	make_header(f, BM_I32, 1, d1, "y");
	memset(f + 64, 0, 64);
	memcpy(f + 128, "BMT2", 4);
	memset(f + 132, 0, 60);
	expect_error(f, 192, "frame 1 at byte 128: bad magic");

	make_header(f, 9, 1, d1, "x");
	expect_error(f, 64, "frame 0 at byte 0: unknown dtype 9");
	make_header(f, 0, 1, d1, "x");
	expect_error(f, 64, "frame 0 at byte 0: unknown dtype 0");
	make_header(f, 7, 1, d1, "x");
	expect_error(f, 64, "frame 0 at byte 0: dtype 7 (bf16) is reserved, not supported");
	make_header(f, BM_F32, 1, d1, "x");
	f[5] = 5; /* ndim: dims has room for 4 */
	expect_error(f, 64, "frame 0 at byte 0: ndim 5 is more than 4");
	make_header(f, BM_F32, 1, d1, "x");
	f[6] = 1;
	expect_error(f, 64, "frame 0 at byte 0: flags 0x0001 must be 0");
	make_header(f, BM_F32, 1, d2, "x");
	f[16] = 3; /* dims[1] set while ndim is 1 */
	expect_error(f, 64, "frame 0 at byte 0: dims[1] is 3 past ndim 1");
	make_header(f, BM_F32, 1, d1, "");
	expect_error(f, 64, "frame 0 at byte 0: empty name");
	make_header(f, BM_F32, 1, d1, "x");
	f[42] = 'y'; /* "x\0y" */
	expect_error(f, 64, "frame 0 at byte 0: name is not NUL-padded");
	make_header(f, BM_F32, 1, d1, "x");
	memset(f + 40, 'a', 24);
	expect_error(f, 64, "frame 0 at byte 0: name is not NUL-terminated");
	make_header(f, BM_F32, 1, d1, "\xc3(");
	expect_error(f, 64, "frame 0 at byte 0: name is not valid UTF-8");

	uint64_t huge[3] = {1ULL << 32, 1ULL << 32, 16};
	make_header(f, BM_F32, 3, huge, "x");
	expect_error(f, 64, "frame 0 at byte 0: shape overflows (more than 2^62 bytes)");

	make_header(f, BM_F32, 1, d1, "x");
	expect_error(f, 10, "frame 0 at byte 0: truncated header (10 of 64 bytes)");
	expect_error(f, 64 + 8, "frame 0 at byte 0: truncated data (8 of 16 bytes)");
	memset(f + 64, 0, 64);
	expect_error(f, 64 + 16 + 10, "frame 0 at byte 0: truncated padding (10 of 48 bytes)");
	f[64 + 20] = 1;
	expect_error(f, 128, "frame 0 at byte 0: non-zero padding");
}
END_TEST

START_TEST(huge_claim_allocates_only_what_is_there)
{
	/* A frame claiming 4 TB, with 100 bytes present, under a 512 MB
	 * address-space limit: the reader must fail on the data, not on malloc.
	 * ASan reserves terabytes of address space, so under it (BM_SANITIZED)
	 * no cap: its allocator then fails the test on a malloc of 4 TB. */
	struct rlimit lim = {512u << 20, 512u << 20};
	if (!getenv("BM_SANITIZED"))
		ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
	unsigned char f[164] = {0};
	uint64_t dims[2] = {1ULL << 30, 1024};
	make_header(f, BM_F32, 2, dims, "x");
	expect_error(f, sizeof f, "frame 0 at byte 0: truncated data (100 of 4398046511104 bytes)");
}
END_TEST

START_TEST(skip_reads_past_data)
{
	bm_out_t *out = bm_out_open(path, 0);
	float x[6] = {0};
	int32_t y[3] = {7, 8, 9};
	uint64_t dx[2] = {3, 2}, dy[1] = {3};
	bm_write_frame(out, "x", BM_F32, 2, dx, x);
	bm_write_frame(out, "y", BM_I32, 1, dy, y);
	ck_assert_int_eq(bm_out_commit(out), 0);
	bm_reader_t *r = bm_reader_open(path);
	bm_tensor_t t = {0};
	ck_assert_int_eq(bm_reader_header(r, &t), 1);
	ck_assert_int_eq(bm_reader_skip(r, &t), 0);
	ck_assert_int_eq(bm_reader_next(r, &t), 1);
	ck_assert_int_eq(((int32_t *)t.data)[2], 9);
	bm_tensor_free(&t);
	bm_reader_close(r);
}
END_TEST

START_TEST(data_in_parts)
{
	/* A frame read a few rows at a time, then a frame whose data is not read at all. */
	bm_out_t *out = bm_out_open(path, 0);
	float x[10];
	for (int i = 0; i < 10; i++)
		x[i] = (float)i;
	uint64_t dx[2] = {5, 2}, dy[1] = {1};
	int32_t y = 42;
	bm_write_frame(out, "x", BM_F32, 2, dx, x);
	bm_write_frame(out, "skipped", BM_F32, 2, dx, x);
	bm_write_frame(out, "y", BM_I32, 1, dy, &y);
	ck_assert_int_eq(bm_out_commit(out), 0);
	bm_reader_t *r = bm_reader_open(path);
	bm_tensor_t t = {0};
	float got[10];
	ck_assert_int_eq(bm_reader_header(r, &t), 1);
	ck_assert_int_eq(bm_reader_data_part(r, &t, got, 2 * 2 * sizeof(float)), 0);
	ck_assert_int_eq(bm_reader_data_part(r, &t, got + 4, 3 * 2 * sizeof(float)), 0);
	ck_assert_int_eq(memcmp(got, x, sizeof x), 0);
	ck_assert_int_eq(bm_reader_data_part(r, &t, got, 4), -1); /* nothing left */
	ck_assert_int_eq(bm_reader_header(r, &t), 1);
	ck_assert_str_eq(t.name, "skipped");
	ck_assert_int_eq(bm_reader_data_part(r, &t, got, 3), -1); /* not whole elements */
	ck_assert_int_eq(bm_reader_data_part(r, &t, got, 8), 0);
	ck_assert_int_eq(bm_reader_next(r, &t), 1); /* the rest of "skipped" is skipped */
	ck_assert_str_eq(t.name, "y");
	ck_assert_int_eq(*(int32_t *)t.data, 42);
	ck_assert_int_eq(bm_reader_next(r, &t), 0);
	bm_tensor_free(&t);
	bm_reader_close(r);
}
END_TEST

START_TEST(parts_of_a_truncated_frame)
{
	unsigned char f[64 + 24];
	uint64_t dims[2] = {4, 2};
	make_header(f, BM_F32, 2, dims, "x");
	memset(f + 64, 0, 24);
	write_bytes(path, f, sizeof f);
	bm_reader_t *r = bm_reader_open(path);
	bm_tensor_t t = {0};
	float got[8];
	ck_assert_int_eq(bm_reader_header(r, &t), 1);
	ck_assert_int_eq(bm_reader_data_part(r, &t, got, 16), 0);
	ck_assert_int_eq(bm_reader_data_part(r, &t, got, 16), -1);
	char want[256];
	snprintf(want, sizeof want, "%s: frame 0 at byte 0: truncated data (24 of 32 bytes)", path);
	ck_assert_str_eq(bm_errmsg(), want);
	bm_reader_close(r);
}
END_TEST

START_TEST(writer_rejects_bad_frames)
{
	bm_out_t *out = bm_out_open(path, 0);
	uint64_t dims[1] = {1};
	ck_assert_int_eq(bm_write_frame(out, "", BM_F32, 1, dims, "abcd"), -1);
	ck_assert_str_eq(bm_errmsg(), "frame name '' must be 1 to 23 bytes");
	ck_assert_int_eq(bm_write_frame(out, "a_name_of_24_bytes_long_", BM_F32, 1, dims, "abcd"), -1);
	ck_assert_int_eq(bm_write_frame(out, "x", 7, 1, dims, "abcd"), -1);
	ck_assert_str_eq(bm_errmsg(), "frame 'x': unknown dtype 7");
	ck_assert_int_eq(bm_write_frame(out, "x", BM_F32, 5, dims, "abcd"), -1);
	ck_assert_str_eq(bm_errmsg(), "frame 'x': ndim 5 is not in 0..4");
	bm_out_abort(out);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(read_all_to_a_limit)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 200000; i++)
		fputc('a' + i % 26, f);
	ck_assert_int_eq(fclose(f), 0);
	char *buf;
	size_t len;
	bm_in_t *in = bm_in_open(path);
	ck_assert_int_eq(bm_in_read_all(in, 200000, &buf, &len), 0);
	ck_assert_uint_eq(len, 200000);
	ck_assert_int_eq(buf[199999], 'a' + 199999 % 26);
	ck_assert_int_eq(buf[len], '\0');
	free(buf);
	bm_in_close(in);
	in = bm_in_open(path);
	ck_assert_int_eq(bm_in_read_all(in, 199999, &buf, &len), 1);
	ck_assert_ptr_null(buf);
	bm_in_close(in);
}
END_TEST

START_TEST(shape_strings)
{
	bm_tensor_t t = {0};
	char s[64];
	bm_tensor_shape_str(&t, s, sizeof s);
	ck_assert_str_eq(s, "()");
	uint64_t d[3] = {5, 0, 2};
	ck_assert_int_eq(bm_tensor_set(&t, "x", BM_U8, 1, d), 0);
	bm_tensor_shape_str(&t, s, sizeof s);
	ck_assert_str_eq(s, "(5,)");
	ck_assert_int_eq(bm_tensor_set(&t, "x", BM_U8, 3, d), 0);
	bm_tensor_shape_str(&t, s, sizeof s);
	ck_assert_str_eq(s, "(5, 0, 2)");
	ck_assert_uint_eq(bm_tensor_count(&t), 0);
	ck_assert_int_eq(bm_dtype_parse("i64"), BM_I64);
	ck_assert_int_eq(bm_dtype_parse("f16"), 0);
	bm_tensor_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip_every_dtype_and_ndim);
	tcase_add_test(tc, frame_layout_is_byte_exact);
	tcase_add_test(tc, zero_row_frames);
	tcase_add_test(tc, gzip_out_and_in);
	tcase_add_test(tc, gzip_truncated);
	tcase_add_test(tc, npy_written_and_read);
	tcase_add_test(tc, npy_versions_2_and_3);
	tcase_add_test(tc, npy_malformed);
	tcase_add_test(tc, malformed_frames);
	tcase_add_test(tc, huge_claim_allocates_only_what_is_there);
	tcase_add_test(tc, skip_reads_past_data);
	tcase_add_test(tc, data_in_parts);
	tcase_add_test(tc, parts_of_a_truncated_frame);
	tcase_add_test(tc, writer_rejects_bad_frames);
	tcase_add_test(tc, shape_strings);
	tcase_add_test(tc, read_all_to_a_limit);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
