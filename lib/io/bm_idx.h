/* bm_idx.h: MNIST-style IDX files (as Fashion-MNIST ships them) to a tensor stream.
 *
 * An IDX file is a 4-byte magic (0, 0, type, ndim), ndim big-endian u32
 * dims, then the data; bm reads type 0x08 (u8): images [n, rows, cols]
 * and labels [n]. Either file may be gzip-compressed.
 */
#ifndef BM_IDX_H
#define BM_IDX_H

#include <stdbool.h>

#include "bm_io.h"

/* Write x (f32 [m, rows*cols], pixels divided by 255 when SCALE) and y
 * (i32 [m]) frame pairs of at most BM_FRAME_ROWS rows to OUT, from the IDX
 * IMAGES and LABELS files (LABELS may be NULL: x frames only). Returns 0,
 * or -1 with bm_errmsg() "FILE: what is wrong". */
int bm_idx_convert(const char *images, const char *labels, bm_out_t *out, bool scale);

#endif
