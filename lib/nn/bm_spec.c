/* bm_spec.c: the model and training spec: defaults, checked setters,
 * the compact layer syntax, YAML in (libyaml) and out. */
#include "bm_spec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "bm_buf.h"
#include "bm_data.h"
#include "bm_fmt.h"
#include "bm_io.h"
#include "bm_values.h"

static const char *const act_names[BM_ACT_COUNT] = {
	"linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
};
static const char *const loss_names[BM_LOSS_COUNT] = {
	"auto", "sparse_categorical_crossentropy", "categorical_crossentropy",
	"binary_crossentropy", "mse", "mae",
};
static const char *const optim_names[BM_OPT_COUNT] = {"adam", "adamw", "sgd", "rmsprop"};
static const char *const sched_names[BM_SCHED_COUNT] = {"constant", "step", "cosine"};
static const char *const monitor_names[BM_MON_COUNT] = {"val_loss", "val_accuracy", "loss", "accuracy"};
static const char *const init_names[BM_INIT_COUNT] = {
	"glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
};

const char *bm_act_name(bm_act_t a) { return (unsigned)a < BM_ACT_COUNT ? act_names[a] : "?"; }
const char *bm_loss_name(bm_loss_t l) { return (unsigned)l < BM_LOSS_COUNT ? loss_names[l] : "?"; }
const char *bm_optim_name(bm_optim_kind_t o) { return (unsigned)o < BM_OPT_COUNT ? optim_names[o] : "?"; }
const char *bm_sched_name(bm_sched_t s) { return (unsigned)s < BM_SCHED_COUNT ? sched_names[s] : "?"; }
const char *bm_monitor_name(bm_monitor_t m) { return (unsigned)m < BM_MON_COUNT ? monitor_names[m] : "?"; }
const char *bm_init_name(bm_init_t i) { return (unsigned)i < BM_INIT_COUNT ? init_names[i] : "?"; }

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int bm_act_parse(const char *s) { return lookup(act_names, BM_ACT_COUNT, s); }

/* "a, b, c" of a name table, for messages. */
static void join_names(char *buf, size_t size, const char *const *names, int n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
}

void bm_spec_init(bm_spec_t *s)
{
	memset(s, 0, sizeof *s);
	s->loss = BM_LOSS_AUTO;
	s->init = BM_INIT_GLOROT_UNIFORM;
	s->optimizer = BM_OPT_ADAM;
	s->learning_rate = s->beta_1 = s->beta_2 = s->epsilon = NAN;
	s->momentum = s->rho = s->weight_decay = NAN;
	s->schedule = BM_SCHED_CONSTANT;
	s->step_epochs = 10;
	s->gamma = 0.1;
	s->cosine_alpha = 0.0;
	s->epochs = 10;
	s->batch_size = 32;
	s->seed = 0;
	s->shuffle = true;
}

void bm_spec_resolve(bm_spec_t *s)
{
	bool sgd = s->optimizer == BM_OPT_SGD;
	if (isnan(s->learning_rate))
		s->learning_rate = sgd ? 0.01 : 0.001;
	if (isnan(s->beta_1))
		s->beta_1 = 0.9;
	if (isnan(s->beta_2))
		s->beta_2 = 0.999;
	if (isnan(s->epsilon))
		s->epsilon = 1e-7;
	if (isnan(s->momentum))
		s->momentum = 0.0;
	if (isnan(s->rho))
		s->rho = 0.9;
	if (isnan(s->weight_decay))
		s->weight_decay = 0.004;
}

int bm_spec_complete(bm_spec_t *spec, const bm_data_t *d)
{
	if (spec->input != 0 && spec->input != d->d) {
		bm_seterr("%s: x has %d columns, the spec's input is %d", d->name, d->d, spec->input);
		return -1;
	}
	spec->input = d->d;
	if (spec->nlayers == 0) {
		int named = (int)d->classes.n, out = d->labels ? (d->max_label + 1 > named ? d->max_label + 1 : named) : d->k;
		spec->layers[0] = (bm_layer_spec_t){BM_LAYER_DENSE, 64, BM_ACT_RELU, 0};
		spec->layers[1] = (bm_layer_spec_t){BM_LAYER_DENSE, 64, BM_ACT_RELU, 0};
		spec->layers[2] = (bm_layer_spec_t){BM_LAYER_DENSE, out, d->labels ? BM_ACT_SOFTMAX : BM_ACT_LINEAR, 0};
		spec->nlayers = 3;
	}
	if (spec->layers[spec->nlayers - 1].kind != BM_LAYER_DENSE) {
		bm_seterr("the last layer must be a dense layer, not dropout");
		return -1;
	}
	const bm_layer_spec_t *last = &spec->layers[spec->nlayers - 1];
	if (spec->loss == BM_LOSS_AUTO) {
		if (d->labels)
			spec->loss = last->act == BM_ACT_SIGMOID && last->units == 1 ? BM_LOSS_BCE : BM_LOSS_SPARSE_CE;
		else
			spec->loss = last->act == BM_ACT_SOFTMAX   ? BM_LOSS_CE
			             : last->act == BM_ACT_SIGMOID ? BM_LOSS_BCE
			                                           : BM_LOSS_MSE;
	}
	bm_spec_resolve(spec);
	return 0;
}

/* ---- value parsing ---- */

/* Numbers are read by the one number parser, bm_values_parse_num (decimal,
 * strtod's value; blanks around it allowed): a finite one in [MIN, MAX]
 * (or [MIN, MAX) when OPEN_MAX). */
static int parse_double(const char *v, double min, double max, bool open_max, double *out)
{
	double x;
	if (!bm_values_parse_num(v, strlen(v), &x, NULL) || !isfinite(x)) {
		bm_seterr("'%s' is not a number", v);
		return -1;
	}
	if (x < min || x > max || (open_max && x >= max)) {
		char a[32], b[32];
		bm_fmt_double(a, sizeof a, min);
		bm_fmt_double(b, sizeof b, max);
		bm_seterr("%s is out of range [%s, %s%s", v, a, b, open_max ? ")" : "]");
		return -1;
	}
	*out = x;
	return 0;
}

/* An integer: digits without a point or an exponent, below 2^63 in
 * magnitude (as strtoll takes them), in [MIN, MAX]. */
static int parse_int(const char *v, long long min, long long max, long long *out)
{
	double x;
	bool integral;
	if (!bm_values_parse_num(v, strlen(v), &x, &integral) || !integral || !(fabs(x) < 0x1p63)) {
		bm_seterr("'%s' is not an integer", v);
		return -1;
	}
	if (x < (double)min || x > (double)max) {
		bm_seterr("%s is out of range [%lld, %lld]", v, min, max);
		return -1;
	}
	*out = (long long)x;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const t[] = {"true", "yes", "on", "1"}, *const f[] = {"false", "no", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(v, t[i]) == 0)
			return *out = true, 0;
		if (strcmp(v, f[i]) == 0)
			return *out = false, 0;
	}
	bm_seterr("'%s' is not true or false", v);
	return -1;
}

static int parse_name(const char *v, const char *const *names, int n, const char *what, int *out)
{
	int i = lookup(names, n, v);
	if (i < 0) {
		char list[256];
		join_names(list, sizeof list, names, n);
		bm_seterr("unknown %s '%s' (known: %s)", what, v, list);
		return -1;
	}
	*out = i;
	return 0;
}

/* One layer in compact form: "64:relu", "64" (linear), "dropout:0.2". */
static int parse_layer(const char *item, bm_layer_spec_t *l)
{
	char buf[128];
	if (strlen(item) >= sizeof buf) {
		bm_seterr("layer '%.20s...' is too long", item);
		return -1;
	}
	strcpy(buf, item);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	const char *arg = colon ? colon + 1 : NULL;
	memset(l, 0, sizeof *l);
	if (strcmp(buf, "dropout") == 0) {
		l->kind = BM_LAYER_DROPOUT;
		if (!arg) {
			bm_seterr("layer 'dropout' needs a rate: dropout:0.2");
			return -1;
		}
		if (parse_double(arg, 0, 1, true, &l->rate) < 0)
			return -1;
		return 0;
	}
	long long units;
	if (buf[0] == '\0') {
		bm_seterr("empty layer in the list");
		return -1;
	}
	if (parse_int(buf, 0, BM_MAX_UNITS, &units) < 0) {
		bm_seterr("layer '%s': the size '%s' is not a whole number of units", item, buf);
		return -1;
	}
	if (units == 0) {
		bm_seterr("layer '%s': a layer of size 0", item);
		return -1;
	}
	l->kind = BM_LAYER_DENSE;
	l->units = (int)units;
	l->act = BM_ACT_LINEAR;
	if (arg) {
		int a;
		if (parse_name(arg, act_names, BM_ACT_COUNT, "activation", &a) < 0)
			return -1;
		l->act = (bm_act_t)a;
	}
	return 0;
}

int bm_spec_parse_layers(bm_spec_t *s, const char *text)
{
	bm_layer_spec_t layers[BM_MAX_LAYERS];
	int n = 0;
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];
		if (len >= sizeof item) {
			bm_seterr("layer '%.20s...' is too long", p);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (n == BM_MAX_LAYERS) {
			bm_seterr("more than %d layers", BM_MAX_LAYERS);
			return -1;
		}
		if (parse_layer(item, &layers[n]) < 0)
			return -1;
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	memcpy(s->layers, layers, sizeof layers[0] * (size_t)n);
	s->nlayers = n;
	return 0;
}

int bm_spec_set(bm_spec_t *s, const char *key, const char *v)
{
	long long i;
	int e;
	double d;
#define DBL(name, lo, hi, open)                                                                                        \
	if (strcmp(key, #name) == 0) {                                                                                 \
		if (parse_double(v, lo, hi, open, &d) < 0)                                                             \
			return -1;                                                                                     \
		s->name = d;                                                                                           \
		return 0;                                                                                              \
	}
#define INT(name, lo, hi)                                                                                              \
	if (strcmp(key, #name) == 0) {                                                                                 \
		if (parse_int(v, lo, hi, &i) < 0)                                                                      \
			return -1;                                                                                     \
		s->name = (int)i;                                                                                      \
		return 0;                                                                                              \
	}
#define ENUM(name, names, count, what, type)                                                                           \
	if (strcmp(key, #name) == 0) {                                                                                 \
		if (parse_name(v, names, count, what, &e) < 0)                                                         \
			return -1;                                                                                     \
		s->name = (type)e;                                                                                     \
		return 0;                                                                                              \
	}
	if (strcmp(key, "layers") == 0)
		return bm_spec_parse_layers(s, v);
	INT(input, 0, BM_MAX_UNITS)
	ENUM(loss, loss_names, BM_LOSS_COUNT, "loss", bm_loss_t)
	ENUM(init, init_names, BM_INIT_COUNT, "initializer", bm_init_t)
	ENUM(optimizer, optim_names, BM_OPT_COUNT, "optimizer", bm_optim_kind_t)
	ENUM(schedule, sched_names, BM_SCHED_COUNT, "schedule", bm_sched_t)
	if (strcmp(key, "learning_rate") == 0) {
		if (parse_double(v, 0, 1e6, false, &d) < 0)
			return -1;
		if (d <= 0) {
			bm_seterr("the learning rate must be positive, not %s", v);
			return -1;
		}
		s->learning_rate = d;
		return 0;
	}
	DBL(beta_1, 0, 1, true)
	DBL(beta_2, 0, 1, true)
	DBL(epsilon, 0, 1, false)
	DBL(momentum, 0, 1, true)
	DBL(rho, 0, 1, true)
	DBL(weight_decay, 0, 1e6, false)
	DBL(l2, 0, 1e6, false)
	DBL(clip_norm, 0, 1e30, false)
	INT(step_epochs, 1, 1000000)
	DBL(gamma, 0, 1e6, false)
	DBL(cosine_alpha, 0, 1, false)
	INT(epochs, 0, 1000000)
	INT(batch_size, 1, 1 << 24)
	DBL(validation_split, 0, 1, true)
	INT(patience, 0, 1000000)
	ENUM(monitor, monitor_names, BM_MON_COUNT, "monitor", bm_monitor_t)
	DBL(min_delta, 0, 1e30, false)
	if (strcmp(key, "nesterov") == 0)
		return parse_bool(v, &s->nesterov);
	if (strcmp(key, "shuffle") == 0)
		return parse_bool(v, &s->shuffle);
	if (strcmp(key, "seed") == 0) {
		/* any u64: past the 53 bits a double holds, so not a number of
		 * bm_values_parse_num but digits for strtoull */
		char *end;
		errno = 0;
		if (v[0] == '-' || v[0] == '\0') {
			bm_seterr("'%s' is not a seed (0 to 2^64-1)", v);
			return -1;
		}
		unsigned long long x = strtoull(v, &end, 10);
		if (*end != '\0' || errno == ERANGE) {
			bm_seterr("'%s' is not a seed (0 to 2^64-1)", v);
			return -1;
		}
		s->seed = x;
		return 0;
	}
#undef DBL
#undef INT
#undef ENUM
	bm_seterr("unknown option '%s'", key);
	return -1;
}

/* ---- YAML ---- */

static int yaml_fail(const char *name, const yaml_mark_t *m, const char *msg)
{
	char copy[512];
	snprintf(copy, sizeof copy, "%s", msg);
	bm_seterr("%s:%zu:%zu: %s", name, m->line + 1, m->column + 1, copy);
	return -1;
}

static const char *scalar(yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int load_layer_map(const char *name, yaml_document_t *doc, yaml_node_t *item, bm_layer_spec_t *l)
{
	bool have_units = false, have_drop = false, have_act = false;
	memset(l, 0, sizeof *l);
	l->act = BM_ACT_LINEAR;
	for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key), *v = yaml_document_get_node(doc, p->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return yaml_fail(name, &item->start_mark, "a layer's keys must be plain words");
		const char *key = scalar(k);
		if (v->type != YAML_SCALAR_NODE) {
			char msg[160];
			snprintf(msg, sizeof msg, "layer key '%s' needs a plain value", key);
			return yaml_fail(name, &v->start_mark, msg);
		}
		const char *val = scalar(v);
		if (strcmp(key, "units") == 0 || strcmp(key, "dense") == 0) {
			long long u;
			if (parse_int(val, 0, BM_MAX_UNITS, &u) < 0)
				return yaml_fail(name, &v->start_mark, bm_errmsg());
			if (u == 0)
				return yaml_fail(name, &v->start_mark, "a layer of size 0");
			l->units = (int)u;
			have_units = true;
		} else if (strcmp(key, "activation") == 0) {
			int a;
			if (parse_name(val, act_names, BM_ACT_COUNT, "activation", &a) < 0)
				return yaml_fail(name, &v->start_mark, bm_errmsg());
			l->act = (bm_act_t)a;
			have_act = true;
		} else if (strcmp(key, "dropout") == 0 || strcmp(key, "rate") == 0) {
			if (parse_double(val, 0, 1, true, &l->rate) < 0)
				return yaml_fail(name, &v->start_mark, bm_errmsg());
			have_drop = true;
		} else {
			char msg[160];
			snprintf(msg, sizeof msg, "unknown layer key '%.60s' (known: units, activation, dropout)", key);
			return yaml_fail(name, &k->start_mark, msg);
		}
	}
	if (have_drop && (have_units || have_act))
		return yaml_fail(name, &item->start_mark, "a layer is either dense (units, activation) or dropout, not both");
	if (!have_drop && !have_units)
		return yaml_fail(name, &item->start_mark, "a layer needs 'units' (dense) or 'dropout' (a rate)");
	l->kind = have_drop ? BM_LAYER_DROPOUT : BM_LAYER_DENSE;
	return 0;
}

static int load_layers(bm_spec_t *s, const char *name, yaml_document_t *doc, yaml_node_t *seq)
{
	bm_layer_spec_t layers[BM_MAX_LAYERS];
	int n = 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(doc, *it);
		if (!item)
			continue;
		if (n == BM_MAX_LAYERS) {
			char msg[64];
			snprintf(msg, sizeof msg, "more than %d layers", BM_MAX_LAYERS);
			return yaml_fail(name, &item->start_mark, msg);
		}
		if (item->type == YAML_SCALAR_NODE) {
			if (parse_layer(scalar(item), &layers[n]) < 0)
				return yaml_fail(name, &item->start_mark, bm_errmsg());
		} else if (item->type == YAML_MAPPING_NODE) {
			if (load_layer_map(name, doc, item, &layers[n]) < 0)
				return -1;
		} else {
			return yaml_fail(name, &item->start_mark, "a layer is a mapping such as {units: 64, activation: relu}");
		}
		n++;
	}
	if (n == 0)
		return yaml_fail(name, &seq->start_mark, "'layers' is empty");
	memcpy(s->layers, layers, sizeof layers[0] * (size_t)n);
	s->nlayers = n;
	return 0;
}

/* libyaml's syntax error, and the parser deleted. */
static int yaml_parser_fail(const char *name, yaml_parser_t *parser)
{
	char msg[256];
	snprintf(msg, sizeof msg, "%s", parser->problem ? parser->problem : "bad YAML");
	yaml_mark_t m = parser->problem_mark;
	yaml_parser_delete(parser);
	return yaml_fail(name, &m, msg);
}

/* libyaml's loader nests without limit, keeps every node and checks each
 * new anchor against all before it (quadratic): a first pass over the
 * events refuses, before any node is built, a spec nested deeper than
 * BM_SPEC_MAX_DEPTH or with more than BM_SPEC_MAX_ALIASES anchors and
 * aliases (a spec needs a handful; an alias bomb needs many); and a second
 * document, which the loader would ignore without a word. */
static int yaml_check_shape(const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		bm_seterr("%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int depth = 0, refs = 0, docs = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			return yaml_parser_fail(name, &parser);
		yaml_event_type_t type = ev.type;
		yaml_mark_t m = ev.start_mark;
		bool ref = type == YAML_ALIAS_EVENT ||
		           (type == YAML_SCALAR_EVENT && ev.data.scalar.anchor) ||
		           (type == YAML_SEQUENCE_START_EVENT && ev.data.sequence_start.anchor) ||
		           (type == YAML_MAPPING_START_EVENT && ev.data.mapping_start.anchor);
		yaml_event_delete(&ev);
		const char *bad = NULL;
		char msg[80];
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > BM_SPEC_MAX_DEPTH) {
				snprintf(msg, sizeof msg, "nested deeper than %d levels", BM_SPEC_MAX_DEPTH);
				bad = msg;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			bad = "a second YAML document: a spec is one document";
		}
		if (ref && ++refs > BM_SPEC_MAX_ALIASES) {
			snprintf(msg, sizeof msg, "more than %d anchors and aliases", BM_SPEC_MAX_ALIASES);
			bad = msg;
		}
		if (bad) {
			yaml_parser_delete(&parser);
			return yaml_fail(name, &m, bad);
		}
		if (type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return 0;
}

int bm_spec_load_yaml_text(bm_spec_t *s, const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;
	if (yaml_check_shape(name, text, len) < 0)
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		bm_seterr("%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc))
		return yaml_parser_fail(name, &parser);
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) { /* empty file: nothing to set */
		rc = 0;
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		yaml_fail(name, &root->start_mark, "expected a mapping of options (key: value)");
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key), *v = yaml_document_get_node(&doc, p->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			yaml_fail(name, &k->start_mark, "option names must be plain words");
			goto out;
		}
		const char *key = scalar(k);
		if (strcmp(key, "layers") == 0 && v->type == YAML_SEQUENCE_NODE) {
			if (load_layers(s, name, &doc, v) < 0)
				goto out;
			continue;
		}
		if (v->type != YAML_SCALAR_NODE) {
			char msg[160];
			snprintf(msg, sizeof msg, "option '%.60s' needs a plain value", key);
			yaml_fail(name, &v->start_mark, msg);
			goto out;
		}
		if (bm_spec_set(s, key, scalar(v)) < 0) {
			bool unknown = strncmp(bm_errmsg(), "unknown option", 14) == 0;
			if (unknown)
				yaml_fail(name, &k->start_mark, bm_errmsg());
			else {
				char msg[400];
				snprintf(msg, sizeof msg, "%s: %s", key, bm_errmsg());
				yaml_fail(name, &v->start_mark, msg);
			}
			goto out;
		}
	}
	rc = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int bm_spec_load_yaml(bm_spec_t *s, const char *path)
{
	bm_in_t *in = bm_in_open(path);
	if (!in)
		return -1;
	char *buf;
	size_t len;
	int got = bm_in_read_all(in, BM_SPEC_MAX_BYTES, &buf, &len);
	if (got != 0) {
		if (got > 0)
			bm_seterr("%s: a spec file larger than %d MiB", bm_in_name(in), BM_SPEC_MAX_BYTES >> 20);
		bm_in_close(in);
		return -1;
	}
	char name[256];
	snprintf(name, sizeof name, "%s", bm_in_name(in));
	bm_in_close(in);
	int rc = bm_spec_load_yaml_text(s, name, buf, len);
	free(buf);
	return rc;
}

/* ---- output ---- */

void bm_spec_layers_str(const bm_spec_t *s, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < s->nlayers && len < size; i++) {
		const bm_layer_spec_t *l = &s->layers[i];
		if (l->kind == BM_LAYER_DROPOUT) {
			char r[32];
			bm_fmt_double(r, sizeof r, l->rate);
			len += (size_t)snprintf(buf + len, size - len, "%sdropout:%s", i ? "," : "", r);
		} else {
			len += (size_t)snprintf(buf + len, size - len, "%s%d:%s", i ? "," : "", l->units,
			                        bm_act_name(l->act));
		}
	}
}

/* Append printf's text to B (out of memory ends the program: bm_buf). */
static void sb_printf(bm_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(bm_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	bm_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_double(bm_buf_t *b, const char *key, double x)
{
	char t[40];
	bm_fmt_double(t, sizeof t, x);
	/* A YAML reader would take "1e-07" as a string; bm reads it as a number either way. */
	sb_printf(b, "%s: %s\n", key, t);
}

char *bm_spec_to_yaml(const bm_spec_t *spec)
{
	bm_spec_t s = *spec;
	bm_spec_resolve(&s);
	bm_buf_t b = {0};
	sb_printf(&b, "input: %d\n", s.input);
	if (s.nlayers) /* none: the defaults, which an empty list would not say */
		sb_printf(&b, "layers:\n");
	for (int i = 0; i < s.nlayers; i++) {
		const bm_layer_spec_t *l = &s.layers[i];
		if (l->kind == BM_LAYER_DROPOUT) {
			char r[32];
			bm_fmt_double(r, sizeof r, l->rate);
			sb_printf(&b, "  - {dropout: %s}\n", r);
		} else {
			sb_printf(&b, "  - {units: %d, activation: %s}\n", l->units, bm_act_name(l->act));
		}
	}
	sb_printf(&b, "loss: %s\ninit: %s\noptimizer: %s\n", bm_loss_name(s.loss), bm_init_name(s.init),
	          bm_optim_name(s.optimizer));
	sb_double(&b, "learning_rate", s.learning_rate);
	switch (s.optimizer) {
	case BM_OPT_ADAMW:
		sb_double(&b, "weight_decay", s.weight_decay);
		/* fall through */
	case BM_OPT_ADAM:
		sb_double(&b, "beta_1", s.beta_1);
		sb_double(&b, "beta_2", s.beta_2);
		sb_double(&b, "epsilon", s.epsilon);
		break;
	case BM_OPT_SGD:
		sb_double(&b, "momentum", s.momentum);
		sb_printf(&b, "nesterov: %s\n", s.nesterov ? "true" : "false");
		break;
	case BM_OPT_RMSPROP:
		sb_double(&b, "rho", s.rho);
		sb_double(&b, "momentum", s.momentum);
		sb_double(&b, "epsilon", s.epsilon);
		break;
	default:
		break;
	}
	sb_double(&b, "l2", s.l2);
	sb_double(&b, "clip_norm", s.clip_norm);
	sb_printf(&b, "schedule: %s\n", bm_sched_name(s.schedule));
	if (s.schedule == BM_SCHED_STEP) {
		sb_printf(&b, "step_epochs: %d\n", s.step_epochs);
		sb_double(&b, "gamma", s.gamma);
	} else if (s.schedule == BM_SCHED_COSINE) {
		sb_double(&b, "cosine_alpha", s.cosine_alpha);
	}
	sb_printf(&b, "epochs: %d\nbatch_size: %d\nseed: %llu\nshuffle: %s\n", s.epochs, s.batch_size,
	          (unsigned long long)s.seed, s.shuffle ? "true" : "false");
	sb_double(&b, "validation_split", s.validation_split);
	sb_printf(&b, "patience: %d\nmonitor: %s\n", s.patience, bm_monitor_name(s.monitor));
	sb_double(&b, "min_delta", s.min_delta);
	return b.s;
}

int bm_spec_dense_count(const bm_spec_t *s)
{
	int n = 0;
	for (int i = 0; i < s->nlayers; i++)
		n += s->layers[i].kind == BM_LAYER_DENSE;
	return n;
}

int bm_spec_output_layer(const bm_spec_t *s)
{
	for (int i = s->nlayers - 1; i >= 0; i--)
		if (s->layers[i].kind == BM_LAYER_DENSE)
			return i;
	return -1;
}
