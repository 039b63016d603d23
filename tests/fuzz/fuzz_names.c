/* fuzz_names: a classes/columns name frame's bytes through bm_names_parse,
 * as bm-train, bm-predict and bm-eval take them. Accepted names must join
 * back to the bytes (less one trailing '\n'), and the text a model file
 * stores for them (bm_model_classes_text) must parse to the same names. */
#include "fuzz.h"
#include "bm_model.h"
#include "bm_names.h"

static int same_names(const bm_names_t *a, const bm_names_t *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bm_names_t nm;
	if (bm_names_parse(&nm, data, size, "class") < 0) {
		if (nm.n || nm.names || nm.bytes)
			abort(); /* an error leaves it empty */
		bm_names_free(&nm);
		return 0;
	}
	size_t len = size - (data[size - 1] == '\n'), at = 0;
	for (size_t i = 0; i < nm.n; i++) {
		size_t k = strlen(nm.names[i]);
		if (at + k > len || memcmp(data + at, nm.names[i], k) != 0 ||
		    (i + 1 < nm.n ? data[at + k] != '\n' : at + k != len))
			abort();
		at += k + 1;
	}
	char *text = bm_model_classes_text(&nm);
	if (!text)
		abort();
	bm_names_t back;
	if (bm_names_parse(&back, text, strlen(text), "class") < 0 || !same_names(&nm, &back))
		abort();
	bm_names_free(&back);
	free(text);
	bm_names_free(&nm);
	return 0;
}
