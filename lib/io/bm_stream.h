/* bm_stream.h: the BMT1 tensor stream (bm-tensor(5)): its frames, the
 * reader (which also takes a .npy file) and the writer.
 *
 * A stream is frames back to back: a 64-byte header (magic "BMT1", dtype,
 * ndim, flags, dims[4] u64, name[24]), then the data in C order,
 * little-endian, zero-padded to a multiple of 64 bytes.
 *
 * The reader takes frames one at a time, so memory is one frame; it accepts
 * gzip input and a plain .npy file (read as one frame). It never allocates
 * more than the bytes actually present: a frame claiming a terabyte in a
 * truncated file fails at the end of the data, not at malloc.
 *
 * Functions that can fail return -1 (or NULL) with bm_errmsg() set: the
 * reader's say "FILE: frame N at byte B: what is wrong", the writer's name
 * the frame ("frame 'x': unknown dtype 7") or the output's write error.
 */
#ifndef BM_STREAM_H
#define BM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_io.h"

#define BM_MAX_NDIM 4
#define BM_NAME_MAX 23 /* bytes of name, NUL padding makes 24 */
#define BM_FRAME_ROWS 65536 /* rows per frame that writers emit */

typedef enum {
	BM_F32 = 1,
	BM_F64 = 2,
	BM_I32 = 3,
	BM_I64 = 4,
	BM_U8 = 5,
	BM_I8 = 6,
} bm_dtype_t;

/* Element size in bytes; 0 for a dtype bm does not know. */
size_t bm_dtype_size(int dtype);
/* "f32", "i64", ...; NULL for an unknown dtype. */
const char *bm_dtype_name(int dtype);
/* The dtype named S ("f32"...), or 0. */
int bm_dtype_parse(const char *s);

/* One frame. DATA is owned by the tensor and reused from frame to frame. */
typedef struct {
	bm_dtype_t dtype;
	int ndim;
	uint64_t dims[BM_MAX_NDIM]; /* entries past ndim are 0 */
	char name[BM_NAME_MAX + 1];
	void *data;
	size_t cap; /* bytes allocated at data */
} bm_tensor_t;

/* Elements of T: the product of its dims, 1 for ndim 0. */
uint64_t bm_tensor_count(const bm_tensor_t *t);
/* Data bytes of T. */
uint64_t bm_tensor_bytes(const bm_tensor_t *t);
/* Elements in one entry of the first axis (product of dims[1..]); 1 for ndim <= 1. */
uint64_t bm_tensor_row_count(const bm_tensor_t *t);
/* Set name, dtype and shape; checks them (name 1..23 bytes, ndim 0..4, no
 * overflow) and grows DATA to fit. Returns 0, or -1 with bm_errmsg()
 * ("frame 'x': shape too large", "out of memory for N bytes"). */
int bm_tensor_set(bm_tensor_t *t, const char *name, bm_dtype_t dtype, int ndim, const uint64_t *dims);
/* "(150, 4)", "(150,)", "()": the shape as numpy prints it, into BUF (cut to SIZE). */
void bm_tensor_shape_str(const bm_tensor_t *t, char *buf, size_t size);
/* Free T's data; T stays usable (empty). */
void bm_tensor_free(bm_tensor_t *t);

/* ---- reading ---- */

typedef struct bm_reader bm_reader_t;

/* Open PATH (NULL or "-" is stdin), a BMT1 stream or a .npy file, gzipped
 * or not. NULL on error (bm_in_open's messages). */
bm_reader_t *bm_reader_open(const char *path);
/* Read from IN, which the reader then owns (closed on error too). NULL on error. */
bm_reader_t *bm_reader_from(bm_in_t *in);
/* Close R and its input; NULL is a no-op. */
void bm_reader_close(bm_reader_t *r);
/* The input's name in messages (bm_in_name). */
const char *bm_reader_name(const bm_reader_t *r);
/* The name given to the frame of a .npy input ["x"]; cut to 23 bytes. */
void bm_reader_set_npy_name(bm_reader_t *r, const char *name);
/* Whether the input is a .npy file rather than a BMT1 stream. */
bool bm_reader_is_npy(const bm_reader_t *r);

/* Read the next frame's header into T (data not read; whatever of the
 * previous frame's data was not read is skipped). 1: a frame, 0: end of
 * input, -1: error ("FILE: frame N at byte B: what is wrong"). */
int bm_reader_header(bm_reader_t *r, bm_tensor_t *t);
/* After bm_reader_header: read the frame's data into T->data. 0 or -1. */
int bm_reader_data(bm_reader_t *r, bm_tensor_t *t);
/* After bm_reader_header: read the next NBYTES (a whole number of elements)
 * of the frame's data into BUF, so a large frame can be taken a batch at a
 * time. The parts must not add up to more than the frame holds; the padding
 * is read with the last part. 0 or -1. */
int bm_reader_data_part(bm_reader_t *r, const bm_tensor_t *t, void *buf, uint64_t nbytes);
/* After bm_reader_header: skip the frame's data (or what parts left of it). 0 or -1. */
int bm_reader_skip(bm_reader_t *r, const bm_tensor_t *t);
/* Header and data together: 1, 0 at the end, -1 on error. */
int bm_reader_next(bm_reader_t *r, bm_tensor_t *t);
/* Index of the frame last returned by bm_reader_header (0-based); at the
 * end of input, the number of frames read. */
uint64_t bm_reader_frame_index(const bm_reader_t *r);

/* ---- writing ---- */

/* Write one whole frame: NAME 1..23 bytes, a known DTYPE, NDIM 0..4, DIMS
 * whose product does not overflow, DATA in host order (written
 * little-endian). Returns 0, or -1 with bm_errmsg() ("frame name '' must
 * be 1 to 23 bytes", "frame 'x': ndim 5 is not in 0..4", a write error). */
int bm_write_frame(bm_out_t *out, const char *name, bm_dtype_t dtype, int ndim, const uint64_t *dims, const void *data);
/* bm_write_frame of T. */
int bm_write_tensor(bm_out_t *out, const bm_tensor_t *t);
/* Write a frame in parts: the header, then exactly bm_tensor_bytes() of data
 * through bm_write_data (COUNT elements a call, any number of calls), then
 * bm_write_end with the data's bytes (it writes the padding). Each returns
 * 0, or -1 as bm_write_frame does. */
int bm_write_header(bm_out_t *out, const char *name, bm_dtype_t dtype, int ndim, const uint64_t *dims);
int bm_write_data(bm_out_t *out, bm_dtype_t dtype, const void *data, uint64_t count);
int bm_write_end(bm_out_t *out, uint64_t nbytes);

#endif
