/* fuzz_safetensors: a model file as bm-predict and bm-train read it: the
 * safetensors reader (length, JSON header, each tensor's dtype, shape and
 * offsets, the data covered exactly), its lookups, then bm_model_load on
 * the same file (the spec, classes and y_ndim of the metadata, the weights
 * of the layers the spec names). */
#include "fuzz.h"
#include "bm_mlp.h"
#include "bm_model.h"
#include "bm_safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_path(data, size, path, sizeof path);
	bm_safetensors_t *st = bm_safetensors_open(path);
	if (st) {
		if (strcmp(bm_safetensors_name(st), path) != 0)
			abort();
		const char *spec = bm_safetensors_meta(st, "spec"), *classes = bm_safetensors_meta(st, "classes");
		if ((spec && strlen(spec) > size) || (classes && strlen(classes) > size))
			abort();
		/* A one-value read: the tensor must be F32 [1], else an error, and
		 * nothing past the one float written either way. */
		static const char *names[] = {"0.weight", "0.bias", "a", ""};
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			float one;
			uint64_t dims[1] = {1};
			int rc = bm_safetensors_read_f32(st, names[i], 1, dims, &one);
			if (rc == 0 && !bm_safetensors_has(st, names[i]))
				abort();
		}
		bm_safetensors_close(st);
	}
	bm_spec_t sp;
	bm_names_t cl;
	int y_ndim;
	bm_mlp_t *m = bm_model_load(path, &sp, &cl, &y_ndim);
	if (m) {
		if (!st || (y_ndim != 1 && y_ndim != 2))
			abort(); /* a model is a good safetensors file */
		bm_names_free(&cl);
		bm_mlp_free(m);
	}
	close(fd);
	return 0;
}
