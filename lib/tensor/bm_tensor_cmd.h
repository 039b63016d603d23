/* bm_tensor_cmd.h: the commands of bm-tensor(1), one function each.
 *
 * Each reads its FILES (none: stdin; "-": stdin) and writes -o or stdout
 * as bm-tensor(1) describes, and returns 0 on success. On error it
 * returns -1 with bm_errmsg() set ("FILE: frame N at byte B: what",
 * "FILE:LINE: what" for CSV, ...), having discarded its output (a
 * half-written -o file is removed) and freed what it held; the program
 * prints the message and exits 1. Nothing here ends the process.
 */
#ifndef BM_TENSOR_CMD_H
#define BM_TENSOR_CMD_H

#include <stdint.h>

typedef struct {
	const char *name;   /* --name: frames to pick, or the name to write */
	const char *output; /* -o; NULL: stdout */
	int gzip;           /* -z */
	char delimiter;     /* -d */
	uint64_t rows;      /* --rows: rows per written frame */
	int scale;          /* --scale: from-idx divides pixels by 255 */
} bm_tensor_opts_t;

/* One line per frame, then totals per name. */
int bm_tensor_cmd_info(const bm_tensor_opts_t *o, char **files, int nfiles);
/* Frames as CSV text. */
int bm_tensor_cmd_dump(const bm_tensor_opts_t *o, char **files, int nfiles);
/* The frames of every input as one stream. */
int bm_tensor_cmd_cat(const bm_tensor_opts_t *o, char **files, int nfiles);
/* The frames named o->name (required) joined along axis 0, as one .npy. */
int bm_tensor_cmd_npy(const bm_tensor_opts_t *o, char **files, int nfiles);
/* The .npy FILE as one frame. */
int bm_tensor_cmd_from_npy(const bm_tensor_opts_t *o, const char *file);
/* Numeric CSV as f32 [rows, columns] frames. */
int bm_tensor_cmd_from_csv(const bm_tensor_opts_t *o, char **files, int nfiles);
/* IDX images (and LABELS, which may be NULL) as x and y frames. */
int bm_tensor_cmd_from_idx(const bm_tensor_opts_t *o, const char *images, const char *labels);

#endif
