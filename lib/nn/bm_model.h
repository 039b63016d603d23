/* bm_model.h: the model file: safetensors (8-byte little-endian header
 * length, a JSON header padded with spaces to a multiple of 8, the data).
 *
 * Dense layer i of the spec is stored as torch.nn.Linear stores it,
 * "<k>.weight" F32 [out, in] and "<k>.bias" F32 [out], where k is its index
 * in the equivalent torch.nn.Sequential (each dense layer is a Linear and an
 * activation module, nn.Identity for linear; each dropout layer one
 * nn.Dropout). __metadata__ holds "format": "pt", "bm_version", "spec"
 * (YAML, bm_spec_to_yaml), "classes" (names joined by '\n', when known) and
 * "y_ndim" (1 or 2: the rank of the training targets).
 *
 * Checkpoints are model files with more tensors and metadata (bm_train.h).
 */
#ifndef BM_MODEL_H
#define BM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_io.h"
#include "bm_mlp.h"
#include "bm_spec.h"

/* ---- safetensors ---- */

typedef struct {
	char name[64];
	int ndim; /* 1 or 2 */
	uint64_t dims[2];
	const float *data;
} bm_st_tensor_t;

typedef struct {
	const char *key;
	const char *value; /* NUL-terminated UTF-8 */
} bm_st_meta_t;

/* Write tensors T[nt] (data in this order) and metadata META[nm] to OUT. 0 or -1. */
int bm_st_write(bm_out_t *out, const bm_st_tensor_t *t, int nt, const bm_st_meta_t *meta, int nm);

typedef struct bm_st bm_st_t;

/* Read and check the safetensors file PATH (gzip accepted). NULL with
 * bm_errmsg() "PATH: what is wrong". */
bm_st_t *bm_st_open(const char *path);
void bm_st_close(bm_st_t *st);
const char *bm_st_name(const bm_st_t *st);
/* Metadata value of KEY, or NULL. */
const char *bm_st_meta(const bm_st_t *st, const char *key);
/* Whether tensor NAME exists. */
bool bm_st_has(const bm_st_t *st, const char *name);
/* Copy F32 tensor NAME, which must have shape DIMS[ndim], into DST. 0 or -1. */
int bm_st_read_f32(const bm_st_t *st, const char *name, int ndim, const uint64_t *dims, float *dst);

/* ---- models ---- */

/* The tensor list of M's parameters (2 per dense layer) into T (room for
 * 2 * BM_MAX_LAYERS); returns the count. DATA points into PARAMS, which has
 * M's layout (m->params, or a copy such as the best weights). */
int bm_model_tensors(const bm_mlp_t *m, const float *params, bm_st_tensor_t *t);

/* Write the model file for M with PARAMS, SPEC, class names CLASSES (joined
 * by '\n', or NULL) and target rank Y_NDIM; EXTRA tensors and metadata are
 * appended (checkpoints). */
int bm_model_write(bm_out_t *out, const bm_mlp_t *m, const float *params, const bm_spec_t *spec, const char *classes,
                   int y_ndim, const bm_st_tensor_t *extra, int nextra, const bm_st_meta_t *extra_meta, int nmeta);

/* Build the model a bm model file describes (spec from its metadata) and
 * load its weights. SPEC receives the spec; CLASSES (malloc'd or NULL) and
 * Y_NDIM the rest, when not NULL. NULL with bm_errmsg() on error. */
bm_mlp_t *bm_model_from_st(const bm_st_t *st, bm_spec_t *spec, char **classes, int *y_ndim);
bm_mlp_t *bm_model_load(const char *path, bm_spec_t *spec, char **classes, int *y_ndim);

/* Copy the weights of M's layers from ST (any safetensors file with the
 * right names and shapes, such as one torch wrote) into M->params. */
int bm_model_load_weights(const bm_st_t *st, bm_mlp_t *m);

#endif
