/* bm_safetensors.h: the safetensors container (huggingface/safetensors):
 * an 8-byte little-endian header length, a JSON header padded with spaces
 * to a multiple of 8, then the tensors' bytes.
 *
 * This module owns the container: the header's JSON (each tensor's dtype,
 * shape and data offsets; "__metadata__", a map of strings), writing F32
 * tensors and metadata, and reading a file back with every offset checked
 * (the data covered exactly, without holes or overlaps). What the tensors
 * and metadata mean to bm (a model, a checkpoint) is bm_model's.
 *
 * Functions that fail return -1 or NULL and leave one line in bm_errmsg(),
 * "PATH: what is wrong" for a file read.
 */
#ifndef BM_SAFETENSORS_H
#define BM_SAFETENSORS_H

#include <stdbool.h>
#include <stdint.h>

#include "bm_io.h"

/* A tensor to write: F32, 1 or 2 dimensions, DATA in C order. */
typedef struct {
	char name[64];
	int ndim; /* 1 or 2 */
	uint64_t dims[2];
	const float *data;
} bm_safetensors_tensor_t;

/* One metadata entry: both NUL-terminated UTF-8. */
typedef struct {
	const char *key;
	const char *value;
} bm_safetensors_meta_t;

/* Write the header (META[nm] first, as "__metadata__", then T[nt] in this
 * order, their data back to back) and the tensors' data to OUT. Returns 0,
 * or -1 with bm_errmsg() when a write fails. */
int bm_safetensors_write(bm_out_t *out, const bm_safetensors_tensor_t *t, int nt, const bm_safetensors_meta_t *meta,
                         int nm);

/* A safetensors file read into memory, its header parsed and checked. */
typedef struct bm_safetensors bm_safetensors_t;

/* Read and check the file PATH (gzip accepted; NULL or "-": stdin).
 * Returns it, or NULL with bm_errmsg() "PATH: what is wrong" (too short,
 * a header that is not a JSON object, a tensor without dtype, shape or
 * data_offsets, offsets outside the data or not covering it exactly). */
bm_safetensors_t *bm_safetensors_open(const char *path);
/* Release ST (NULL is fine). */
void bm_safetensors_close(bm_safetensors_t *st);
/* The path ST was opened with ("-" for stdin), for messages. */
const char *bm_safetensors_name(const bm_safetensors_t *st);
/* Bytes of tensor data in ST (all tensors together). */
uint64_t bm_safetensors_data_size(const bm_safetensors_t *st);
/* The metadata value of KEY, or NULL when there is none. */
const char *bm_safetensors_meta(const bm_safetensors_t *st, const char *key);
/* Whether ST holds a tensor named NAME. */
bool bm_safetensors_has(const bm_safetensors_t *st, const char *name);
/* Copy the F32 tensor NAME, which must have the shape DIMS[ndim], into DST.
 * Returns 0; or -1 with bm_errmsg() "PATH: tensor 'NAME' is missing", "...
 * is DTYPE, expected F32" or "... has shape [a, b], expected [c, d]". */
int bm_safetensors_read_f32(const bm_safetensors_t *st, const char *name, int ndim, const uint64_t *dims, float *dst);

#endif
