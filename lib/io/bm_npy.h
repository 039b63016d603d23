/* bm_npy.h: the .npy header, read by the stream reader (internal to libbm). */
#ifndef BM_NPY_H
#define BM_NPY_H

#include <stddef.h>

#include "bm_io.h"
#include "bm_stream.h"

/* Read a .npy header (v1.0 to v3.0) from IN, leaving IN at the data; set
 * T's dtype and shape. On error returns -1 with the reason in MSG. */
int bm_npy_read_header(bm_in_t *in, bm_tensor_t *t, char *msg, size_t msgsize);

#endif
