/* bm_npy.h: the header of a .npy file (NumPy's format, versions 1.0 to
 * 3.0), read for the stream reader and written by bm-tensor npy. */
#ifndef BM_NPY_H
#define BM_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "bm_io.h"
#include "bm_stream.h"

/* Read a .npy header (v1.0 to v3.0) from IN, leaving IN at the data; set
 * T's dtype and shape. Returns 0; on error -1 with the reason in MSG
 * (bm_errmsg() is left alone: the reader words the frame's position). */
int bm_npy_read_header(bm_in_t *in, bm_tensor_t *t, char *msg, size_t msgsize);

/* Write into BUF (SIZE bytes) the .npy v1.0 header (magic through the '\n'
 * before the data) for the given dtype and shape, little-endian, C order,
 * padded so the data starts at a multiple of 64. Returns its length (at
 * most 128 + 80), or -1 (no message) for a dtype bm does not know, NDIM
 * outside 0..4 or SIZE under 256. */
int bm_npy_header(char *buf, size_t size, bm_dtype_t dtype, int ndim, const uint64_t *dims);

#endif
