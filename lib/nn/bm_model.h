/* bm_model.h: the bm model file: a model's spec, weights and class names
 * in a safetensors container (bm_safetensors.h), and back.
 *
 * Dense layer i of the spec is stored as torch.nn.Linear stores it,
 * "<k>.weight" F32 [out, in] and "<k>.bias" F32 [out], where k is its index
 * in the equivalent torch.nn.Sequential (each dense layer is a Linear and an
 * activation module, nn.Identity for linear; each dropout layer one
 * nn.Dropout), so torch's load_state_dict takes the file as it is.
 * __metadata__ holds "format": "pt", "bm_version", "spec" (YAML,
 * bm_spec_to_yaml), "classes" (the names joined by '\n', when known; read
 * back by bm_names' rule) and "y_ndim" (1 or 2: the rank of the training
 * targets).
 *
 * Checkpoints are model files with more tensors and metadata (bm_train.c).
 * Functions that fail return -1 or NULL with one line in bm_errmsg().
 */
#ifndef BM_MODEL_H
#define BM_MODEL_H

#include "bm_io.h"
#include "bm_mlp.h"
#include "bm_names.h"
#include "bm_safetensors.h"
#include "bm_spec.h"

/* The tensor list of M's parameters (2 per dense layer) into T (room for
 * 2 * BM_MAX_LAYERS); returns the count. DATA points into PARAMS, which has
 * M's layout (m->params, or a copy such as the best weights). */
int bm_model_tensors(const bm_mlp_t *m, const float *params, bm_safetensors_tensor_t *t);

/* The text of the class names CLASSES as the model file and a classes frame
 * hold it: the names joined by '\n' (and one '\n' more when the last name
 * is empty, so that bm_names_parse reads the same names back). Returns it
 * (malloc'd, NUL-terminated), or NULL with bm_errmsg() when out of memory. */
char *bm_model_classes_text(const bm_names_t *classes);

/* Write the model file for M with PARAMS, SPEC, the class names CLASSES
 * (none when CLASSES is NULL or empty) and target rank Y_NDIM to OUT; EXTRA
 * tensors and metadata are appended (checkpoints). Returns 0, or -1 with
 * bm_errmsg() when out of memory or a write fails. */
int bm_model_write(bm_out_t *out, const bm_mlp_t *m, const float *params, const bm_spec_t *spec,
                   const bm_names_t *classes, int y_ndim, const bm_safetensors_tensor_t *extra, int nextra,
                   const bm_safetensors_meta_t *extra_meta, int nmeta);

/* Build the model the bm model file PATH describes (the spec from its
 * metadata) and load its weights. SPEC receives the spec; CLASSES the class
 * names (empty when the file has none) and Y_NDIM the target rank, when not
 * NULL. Returns the model, or NULL with bm_errmsg() "PATH: what is wrong"
 * (not a safetensors file, no spec, a bad spec, missing or misshapen
 * weights, bad class names). */
bm_mlp_t *bm_model_load(const char *path, bm_spec_t *spec, bm_names_t *classes, int *y_ndim);

/* Copy the weights of M's layers from ST (any safetensors file with the
 * right names and shapes, such as one torch wrote) into M->params. Returns
 * 0, or -1 with bm_errmsg() naming the missing or misshapen tensor. */
int bm_model_load_weights(const bm_safetensors_t *st, bm_mlp_t *m);

#endif
