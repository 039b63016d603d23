/* bm_names.h: the name frames of a tensor stream ("classes", "columns").
 *
 * A name frame is u8 [bytes]: the names joined by '\n'. One rule for every
 * reader: a single trailing '\n' ends the last name (it does not add an
 * empty one); a name may be empty otherwise, and may not hold a NUL byte.
 */
#ifndef BM_NAMES_H
#define BM_NAMES_H

#include <stddef.h>

typedef struct {
	char **names; /* n names, each NUL-terminated, in bytes */
	size_t n;
	char *bytes;  /* the frame's text, each '\n' turned into a NUL */
} bm_names_t;

/* Split the LEN bytes of DATA into NM's names. NOUN ("class", "column")
 * words the errors. Returns 0; or -1 with bm_errmsg() "no NOUN names" (no
 * bytes, or only the newline), "a NOUN name holds a NUL byte" or "out of
 * memory", NM then empty. Free NM with bm_names_free either way. */
int bm_names_parse(bm_names_t *nm, const void *data, size_t len, const char *noun);

/* Release NM's memory and leave it empty. */
void bm_names_free(bm_names_t *nm);

#endif
