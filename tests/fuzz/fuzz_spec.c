/* fuzz_spec: bm-train -c: the YAML spec read from a file by
 * bm_spec_load_yaml on top of the defaults, then completed and checked for
 * a small data set as bm-train does (bm_spec_complete, bm_data_check). A
 * spec that loads is written back with bm_spec_to_yaml, which must read
 * back to the same spec (a differential: abort when it does not). */
#include "fuzz.h"
#include "bm_data.h"
#include "bm_err.h"
#include "bm_spec.h"

/* Whether A and B hold the same settings (NaN equal to NaN). */
static int same_double(double a, double b) { return a == b || (a != a && b != b); }

static int same_spec(const bm_spec_t *a, const bm_spec_t *b)
{
	if (a->input != b->input || a->nlayers != b->nlayers || a->loss != b->loss || a->init != b->init ||
	    a->optimizer != b->optimizer || a->nesterov != b->nesterov || a->schedule != b->schedule ||
	    a->epochs != b->epochs || a->batch_size != b->batch_size || a->seed != b->seed ||
	    a->shuffle != b->shuffle || a->patience != b->patience)
		return 0;
	for (int i = 0; i < a->nlayers; i++) {
		const bm_layer_spec_t *x = &a->layers[i], *y = &b->layers[i];
		if (x->kind != y->kind || x->units != y->units || x->act != y->act || !same_double(x->rate, y->rate))
			return 0;
	}
	/* the optimizer settings bm_spec_to_yaml writes: those of A's optimizer */
	bm_spec_t ra = *a, rb = *b;
	bm_spec_resolve(&ra);
	bm_spec_resolve(&rb);
	int ok = same_double(ra.learning_rate, rb.learning_rate) && same_double(ra.l2, rb.l2) &&
	         same_double(ra.clip_norm, rb.clip_norm) && same_double(ra.validation_split, rb.validation_split);
	switch (ra.optimizer) {
	case BM_OPT_ADAMW:
		ok = ok && same_double(ra.weight_decay, rb.weight_decay);
		/* fall through */
	case BM_OPT_ADAM:
		ok = ok && same_double(ra.beta_1, rb.beta_1) && same_double(ra.beta_2, rb.beta_2) &&
		     same_double(ra.epsilon, rb.epsilon);
		break;
	case BM_OPT_SGD:
		ok = ok && same_double(ra.momentum, rb.momentum);
		break;
	case BM_OPT_RMSPROP:
		ok = ok && same_double(ra.rho, rb.rho) && same_double(ra.momentum, rb.momentum) &&
		     same_double(ra.epsilon, rb.epsilon);
		break;
	default:
		break;
	}
	if (ra.schedule == BM_SCHED_STEP)
		ok = ok && ra.step_epochs == rb.step_epochs && same_double(ra.gamma, rb.gamma);
	else if (ra.schedule == BM_SCHED_COSINE)
		ok = ok && same_double(ra.cosine_alpha, rb.cosine_alpha);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_path(data, size, path, sizeof path);
	bm_spec_t spec;
	bm_spec_init(&spec);
	int rc = bm_spec_load_yaml(&spec, path);
	close(fd);
	if (rc < 0)
		return 0;

	/* written back, read back: the same spec */
	char *yaml = bm_spec_to_yaml(&spec);
	bm_spec_t back;
	bm_spec_init(&back);
	if (bm_spec_load_yaml_text(&back, "back", yaml, strlen(yaml)) < 0) {
		fprintf(stderr, "fuzz_spec: bm_spec_to_yaml's text does not load: %s\n%s", bm_errmsg(), yaml);
		abort();
	}
	if (!same_spec(&spec, &back)) {
		fprintf(stderr, "fuzz_spec: the spec read back differs:\n%s", yaml);
		abort();
	}
	free(yaml);

	/* completed for 3 rows of 2 columns, labels 0..2, as bm-train does */
	float x[6] = {0};
	int32_t labels[3] = {0, 1, 2};
	bm_data_t d = {.name = "data", .n = 3, .d = 2, .x = x, .labels = labels, .k = 1, .y_ndim = 1, .max_label = 2};
	if (bm_spec_complete(&spec, &d) == 0)
		(void)bm_data_check(&d, &spec);
	return 0;
}
