/* bm_npy.h: the header of a .npy file (NumPy's format, versions 1.0 to
 * 3.0), read for the stream reader and written by bm-tensor npy. */
#ifndef BM_NPY_H
#define BM_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "bm_io.h"
#include "bm_stream.h"

/* How a .npy file's data is laid out, beside the tensor it becomes. */
enum { BM_NPY_SAME, BM_NPY_BOOL, BM_NPY_F16 };
typedef struct {
	int src;         /* BM_NPY_SAME, or bool (to u8) or f16 (to f32) */
	size_t src_size; /* bytes of one element in the file */
	int big;         /* big-endian ('>') elements of more than a byte */
	int fortran;     /* Fortran (column-major) order, 2 or more dims */
} bm_npy_layout_t;

/* Read a .npy header (v1.0 to v3.0) from IN, leaving IN at the data; set
 * T's dtype and shape (u8 for bool, f32 for f16) and LAY. Returns 0; on
 * error -1 with the reason in MSG (bm_errmsg() is left alone: the reader
 * words the frame's position). */
int bm_npy_read_header(bm_in_t *in, bm_tensor_t *t, bm_npy_layout_t *lay, char *msg, size_t msgsize);

/* Whether the data is already T's: little-endian, C order, a BMT1 dtype. */
int bm_npy_plain(const bm_npy_layout_t *lay);

/* Convert the file's data RAW (bm_tensor_count(T) elements of
 * LAY->src_size bytes) into OUT: T's dtype in host order, C order. */
void bm_npy_convert(const bm_npy_layout_t *lay, const bm_tensor_t *t, const void *raw, void *out);

/* Write into BUF (SIZE bytes) the .npy v1.0 header (magic through the '\n'
 * before the data) for the given dtype and shape, little-endian, C order,
 * padded so the data starts at a multiple of 64. Returns its length (at
 * most 128 + 80), or -1 (no message) for a dtype bm does not know, NDIM
 * outside 0..4 or SIZE under 256. */
int bm_npy_header(char *buf, size_t size, bm_dtype_t dtype, int ndim, const uint64_t *dims);

#endif
