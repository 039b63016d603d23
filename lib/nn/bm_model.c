/* bm_model.c: bm models in safetensors files (see bm_model.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "bm_model.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_err.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

int bm_model_tensors(const bm_mlp_t *m, const float *params, bm_safetensors_tensor_t *t)
{
	int n = 0;
	for (int i = 0; i < m->nlayers; i++) {
		const bm_layer_t *l = &m->layers[i];
		if (l->kind != BM_LAYER_DENSE)
			continue;
		snprintf(t[n].name, sizeof t[n].name, "%d.weight", l->module);
		t[n].ndim = 2;
		t[n].dims[0] = (uint64_t)l->out;
		t[n].dims[1] = (uint64_t)l->in;
		t[n].data = params + l->w;
		n++;
		snprintf(t[n].name, sizeof t[n].name, "%d.bias", l->module);
		t[n].ndim = 1;
		t[n].dims[0] = (uint64_t)l->out;
		t[n].dims[1] = 0;
		t[n].data = params + l->b;
		n++;
	}
	return n;
}

char *bm_model_classes_text(const bm_names_t *c)
{
	size_t len = 0;
	for (size_t i = 0; i < c->n; i++)
		len += strlen(c->names[i]) + 1;
	bool last_empty = c->n > 0 && c->names[c->n - 1][0] == '\0';
	char *s = malloc(len + 2), *p = s;
	if (!s) {
		bm_seterr("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < c->n; i++) {
		size_t k = strlen(c->names[i]);
		if (i)
			*p++ = '\n';
		memcpy(p, c->names[i], k);
		p += k;
	}
	if (last_empty)
		*p++ = '\n';
	*p = '\0';
	return s;
}

int bm_model_write(bm_out_t *out, const bm_mlp_t *m, const float *params, const bm_spec_t *spec,
                   const bm_names_t *classes, int y_ndim, const bm_safetensors_tensor_t *extra, int nextra,
                   const bm_safetensors_meta_t *extra_meta, int nmeta)
{
	bool named = classes && classes->n > 0;
	bm_safetensors_tensor_t *t = calloc((size_t)(2 * BM_MAX_LAYERS + nextra), sizeof *t);
	bm_safetensors_meta_t *meta = calloc((size_t)(6 + nmeta), sizeof *meta);
	char *yaml = bm_spec_to_yaml(spec), *names = named ? bm_model_classes_text(classes) : NULL;
	if (!t || !meta || !yaml || (named && !names)) {
		free(t);
		free(meta);
		free(yaml);
		free(names);
		bm_seterr("out of memory");
		return -1;
	}
	int nt = bm_model_tensors(m, params, t);
	for (int i = 0; i < nextra; i++)
		t[nt++] = extra[i];
	int nm = 0;
	char yn[8];
	snprintf(yn, sizeof yn, "%d", y_ndim);
	meta[nm++] = (bm_safetensors_meta_t){"format", "pt"};
	meta[nm++] = (bm_safetensors_meta_t){"bm_version", PACKAGE_VERSION};
	meta[nm++] = (bm_safetensors_meta_t){"spec", yaml};
	if (names)
		meta[nm++] = (bm_safetensors_meta_t){"classes", names};
	meta[nm++] = (bm_safetensors_meta_t){"y_ndim", yn};
	for (int i = 0; i < nmeta; i++)
		meta[nm++] = extra_meta[i];
	int rc = bm_safetensors_write(out, t, nt, meta, nm);
	free(t);
	free(meta);
	free(yaml);
	free(names);
	return rc;
}

int bm_model_load_weights(const bm_safetensors_t *st, bm_mlp_t *m)
{
	bm_safetensors_tensor_t t[2 * BM_MAX_LAYERS];
	int n = bm_model_tensors(m, m->params, t);
	for (int i = 0; i < n; i++)
		if (bm_safetensors_read_f32(st, t[i].name, t[i].ndim, t[i].dims, (float *)t[i].data) < 0)
			return -1;
	return 0;
}

/* Parameters of the model SPEC describes: weights and biases of each dense layer. */
static uint64_t spec_params(const bm_spec_t *spec)
{
	uint64_t n = 0, width = (uint64_t)spec->input;
	for (int i = 0; i < spec->nlayers; i++)
		if (spec->layers[i].kind == BM_LAYER_DENSE) {
			n += (width + 1) * (uint64_t)spec->layers[i].units;
			width = (uint64_t)spec->layers[i].units;
		}
	return n;
}

/* The model of the open file ST (bm_model_load). */
static bm_mlp_t *model_read(const bm_safetensors_t *st, bm_spec_t *spec, bm_names_t *classes, int *y_ndim)
{
	const char *path = bm_safetensors_name(st), *yaml = bm_safetensors_meta(st, "spec");
	if (!yaml) {
		bm_seterr("%s: not a bm model (no 'spec' in its metadata)", path);
		return NULL;
	}
	bm_spec_init(spec);
	char name[300];
	snprintf(name, sizeof name, "%s: metadata spec", path);
	if (bm_spec_load_yaml_text(spec, name, yaml, strlen(yaml)) < 0)
		return NULL;
	if (spec->input <= 0 || spec->nlayers == 0) {
		bm_seterr("%s: the spec in the metadata has no input width or no layers", path);
		return NULL;
	}
	/* The weights must be in the file before they are allocated: a
	 * 100-byte file whose spec claims 40000x40000 fails here, not on
	 * gigabytes of malloc. */
	uint64_t need = 4 * spec_params(spec);
	if (need > bm_safetensors_data_size(st)) {
		bm_seterr("%s: the spec needs %" PRIu64 " bytes of weights, the file holds %" PRIu64, path, need,
			  bm_safetensors_data_size(st));
		return NULL;
	}
	bm_mlp_t *m = bm_mlp_new(spec);
	if (!m) {
		char msg[300];
		snprintf(msg, sizeof msg, "%s", bm_errmsg());
		bm_seterr("%s: %s", path, msg);
		return NULL;
	}
	if (bm_model_load_weights(st, m) < 0) {
		bm_mlp_free(m);
		return NULL;
	}
	if (y_ndim) {
		const char *y = bm_safetensors_meta(st, "y_ndim");
		*y_ndim = y && strcmp(y, "1") == 0 ? 1 : 2;
	}
	if (classes) {
		const char *c = bm_safetensors_meta(st, "classes");
		*classes = (bm_names_t){0};
		if (c && bm_names_parse(classes, c, strlen(c), "class") < 0) {
			char msg[300];
			snprintf(msg, sizeof msg, "%s", bm_errmsg());
			bm_seterr("%s: metadata classes: %s", path, msg);
			bm_mlp_free(m);
			return NULL;
		}
	}
	return m;
}

bm_mlp_t *bm_model_load(const char *path, bm_spec_t *spec, bm_names_t *classes, int *y_ndim)
{
	bm_safetensors_t *st = bm_safetensors_open(path);
	if (!st)
		return NULL;
	bm_mlp_t *m = model_read(st, spec, classes, y_ndim);
	bm_safetensors_close(st);
	return m;
}
