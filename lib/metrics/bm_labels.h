/* bm_labels.h: class labels read as text.
 *
 * A label table gives every distinct label a dense id (0, 1, ... in order of
 * first appearance) with one hash lookup, so a text stream of labels turns
 * into the integer ids that bm_metrics counts. At the end bm_labels_order()
 * sorts the labels as scikit-learn's unique_labels() does:
 *
 *   - when every label is an integer ("7", "-2", "+3", "007"), numerically,
 *     and labels equal as integers are one label ("007" is 7);
 *   - otherwise as strings, by their bytes (for UTF-8 that is numpy's code
 *     point order), every distinct byte string a label of its own.
 *
 * (bm-eval --csv reads its CSV with bm_csv, the project's CSV reader.)
 */
#ifndef BM_LABELS_H
#define BM_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bm_io.h"

typedef struct bm_labels bm_labels_t;

bm_labels_t *bm_labels_new(void);
void bm_labels_free(bm_labels_t *t);

/* The id of the label S (LEN bytes, may hold any byte), added if new.
 * Returns -1 when out of memory or past INT32_MAX labels (bm_errmsg). */
int32_t bm_labels_intern(bm_labels_t *t, const char *s, size_t len);
/* Number of distinct labels (ids are 0 .. count-1). */
size_t bm_labels_count(const bm_labels_t *t);
/* Whether every label so far is an integer (the numeric order applies). */
bool bm_labels_all_int(const bm_labels_t *t);
/* The bytes of label ID (as first seen) and, when it is an integer, its value. */
const char *bm_labels_str(const bm_labels_t *t, int32_t id, size_t *len);
int64_t bm_labels_int(const bm_labels_t *t, int32_t id);

/* Sort the labels as described above. MAP (count entries) receives the
 * final index of every id; REP (count entries) receives, for each final
 * index, one id carrying that label. Returns the number of final labels. */
size_t bm_labels_order(const bm_labels_t *t, int32_t *map, int32_t *rep);

/* Whether S (LEN bytes) is an integer label, [+-]?[0-9]+ within int64;
 * its value in *V. */
bool bm_labels_parse_int(const char *s, size_t len, int64_t *v);

#endif
