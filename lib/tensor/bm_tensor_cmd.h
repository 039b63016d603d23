/* bm_tensor_cmd.h: the commands of bm-tensor(1), each returning an exit status. */
#ifndef BM_TENSOR_CMD_H
#define BM_TENSOR_CMD_H

#include <stdint.h>

typedef struct {
	const char *name;   /* --name: frames to pick, or the name to write */
	const char *output; /* -o */
	int gzip;           /* -z */
	char delimiter;     /* -d */
	uint64_t rows;      /* --rows: rows per written frame */
	int scale;          /* --scale: from-idx divides pixels by 255 */
} bm_tensor_opts_t;

int bm_tensor_info(const bm_tensor_opts_t *o, char **files, int nfiles);
int bm_tensor_dump(const bm_tensor_opts_t *o, char **files, int nfiles);
int bm_tensor_cat(const bm_tensor_opts_t *o, char **files, int nfiles);
int bm_tensor_npy(const bm_tensor_opts_t *o, char **files, int nfiles);
int bm_tensor_from_npy(const bm_tensor_opts_t *o, const char *file);
int bm_tensor_from_csv(const bm_tensor_opts_t *o, char **files, int nfiles);
/* LABELS may be NULL. */
int bm_tensor_from_idx(const bm_tensor_opts_t *o, const char *images, const char *labels);

#endif
