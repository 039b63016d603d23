/* bm_spec.h: what bm-train builds and how it trains it.
 *
 * A spec is the layer stack (dense layers with an activation, dropout
 * layers) plus the training options (loss, optimizer, schedule, epochs...).
 * It comes from defaults, then a YAML file (-c spec.yaml), then command-line
 * options, which all go through bm_spec_set() so every value is checked in
 * one place. bm_spec_to_yaml() writes it back as YAML that bm_spec_load_yaml()
 * reads; the model file keeps it in its metadata.
 *
 * Functions that can fail return -1 with a one-line message in bm_errmsg():
 * "FILE:LINE:COLUMN: what is wrong" for YAML, "--layers: ..." for layers.
 */
#ifndef BM_SPEC_H
#define BM_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BM_MAX_LAYERS 64
#define BM_MAX_UNITS 1000000
/* A YAML spec file: its size, how deep it nests, how many anchors and
 * aliases it holds (bm_spec_load_yaml refuses more). */
#define BM_SPEC_MAX_BYTES (1 << 20)
#define BM_SPEC_MAX_DEPTH 32
#define BM_SPEC_MAX_ALIASES 100

typedef enum {
	BM_ACT_LINEAR,
	BM_ACT_RELU,
	BM_ACT_LEAKY_RELU, /* negative slope 0.2, as keras.activations.leaky_relu */
	BM_ACT_ELU,        /* alpha 1 */
	BM_ACT_GELU,       /* exact (erf), as Keras and torch default */
	BM_ACT_SIGMOID,
	BM_ACT_TANH,
	BM_ACT_SOFTMAX, /* over the units of a row */
	BM_ACT_COUNT
} bm_act_t;

typedef enum { BM_LAYER_DENSE, BM_LAYER_DROPOUT } bm_layer_kind_t;

typedef struct {
	bm_layer_kind_t kind;
	int units;    /* dense: output width */
	bm_act_t act; /* dense: activation */
	double rate;  /* dropout: fraction dropped in training, [0, 1) */
} bm_layer_spec_t;

typedef enum {
	BM_LOSS_AUTO, /* chosen from the labels and the output activation */
	BM_LOSS_SPARSE_CE,
	BM_LOSS_CE,
	BM_LOSS_BCE,
	BM_LOSS_MSE,
	BM_LOSS_MAE,
	BM_LOSS_COUNT
} bm_loss_t;

typedef enum { BM_OPT_ADAM, BM_OPT_ADAMW, BM_OPT_SGD, BM_OPT_RMSPROP, BM_OPT_COUNT } bm_optim_kind_t;
typedef enum { BM_SCHED_CONSTANT, BM_SCHED_STEP, BM_SCHED_COSINE, BM_SCHED_COUNT } bm_sched_t;
/* What --patience watches (Keras EarlyStopping's monitor). */
typedef enum { BM_MON_VAL_LOSS, BM_MON_VAL_ACCURACY, BM_MON_LOSS, BM_MON_ACCURACY, BM_MON_COUNT } bm_monitor_t;
typedef enum {
	BM_INIT_GLOROT_UNIFORM,
	BM_INIT_GLOROT_NORMAL,
	BM_INIT_HE_UNIFORM,
	BM_INIT_HE_NORMAL,
	BM_INIT_COUNT
} bm_init_t;

typedef struct {
	/* model */
	int input; /* width of x; 0 until known */
	int nlayers;
	bm_layer_spec_t layers[BM_MAX_LAYERS];
	bm_loss_t loss;
	bm_init_t init;
	/* optimizer; a NaN means "the optimizer's default" */
	bm_optim_kind_t optimizer;
	double learning_rate, beta_1, beta_2, epsilon, momentum, rho, weight_decay;
	bool nesterov;
	double l2;        /* kernel L2 penalty added to the loss: l2 * sum(w^2) */
	double clip_norm; /* global gradient norm limit; 0 is none */
	bm_sched_t schedule;
	int step_epochs;  /* step: multiply by gamma every step_epochs epochs */
	double gamma;
	double cosine_alpha; /* cosine: final learning rate as a fraction */
	/* loop */
	int epochs, batch_size;
	uint64_t seed;
	bool shuffle;
	double validation_split;
	int patience; /* 0: no early stopping */
	bm_monitor_t monitor; /* min mode for a loss, max for an accuracy */
	double min_delta;     /* an improvement must exceed it */
} bm_spec_t;

/* Names: "relu"..., "sparse_categorical_crossentropy"..., "adam"...,
 * "cosine"..., "he_uniform"...; "?" for a value out of range. */
const char *bm_act_name(bm_act_t a);
const char *bm_loss_name(bm_loss_t l);
const char *bm_optim_name(bm_optim_kind_t o);
const char *bm_sched_name(bm_sched_t s);
const char *bm_monitor_name(bm_monitor_t m);
const char *bm_init_name(bm_init_t i);
/* The value named S, or -1. */
int bm_act_parse(const char *s);

/* Defaults: no layers, loss auto, glorot_uniform, adam, 10 epochs of 32, seed 0. */
void bm_spec_init(bm_spec_t *s);

/* Fill the optimizer settings left unset with the optimizer's defaults
 * (Keras: adam lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7; sgd lr 0.01,
 * momentum 0; rmsprop rho 0.9; adamw weight_decay 0.004). */
void bm_spec_resolve(bm_spec_t *s);

struct bm_data;
/* Complete SPEC for the data set D (bm_data.h): the input width, the
 * default layers (64:relu,64:relu and an output layer: softmax over the
 * classes, or linear for float targets), the loss when auto (from the
 * targets and the output activation), the optimizer's defaults. Returns 0;
 * or -1 with bm_errmsg() when the spec's input width is not D's or its last
 * layer is not dense. bm_data_check then says whether D fits. */
int bm_spec_complete(bm_spec_t *spec, const struct bm_data *d);

/* Set one option by its YAML name ("learning_rate", "epochs", "layers"...)
 * from its text (numbers as bm_values_parse_num reads them). Returns 0; or
 * -1 with bm_errmsg() ("unknown option 'x'", "'x' is not a number", "2 is
 * out of range [0, 1)"...), without file or position: callers add them;
 * S then unchanged. */
int bm_spec_set(bm_spec_t *s, const char *key, const char *value);
/* Replace the layers with the compact form "64:relu,dropout:0.2,10:softmax".
 * Returns 0; or -1 with bm_errmsg() (an unknown activation, a size of 0, a
 * bad dropout rate, more than BM_MAX_LAYERS), the layers then unchanged. */
int bm_spec_parse_layers(bm_spec_t *s, const char *text);

/* Read a YAML mapping of options (layers as a list of {units, activation}
 * or {dropout} mappings, or a compact string) from PATH or TEXT of LEN
 * bytes (named NAME in messages) on top of S. Returns 0; or -1 with
 * bm_errmsg() "NAME:LINE:COLUMN: what is wrong" (a syntax error, an unknown
 * key, a bad value) or the file's open error, S then partly set. */
int bm_spec_load_yaml(bm_spec_t *s, const char *path);
int bm_spec_load_yaml_text(bm_spec_t *s, const char *name, const char *text, size_t len);

/* S as YAML text (malloc'd, NUL-terminated) that bm_spec_load_yaml_text
 * reads back; out of memory ends the program (bm_buf). */
char *bm_spec_to_yaml(const bm_spec_t *s);
/* The compact form of the layers ("64:relu,10:softmax"), in BUF. */
void bm_spec_layers_str(const bm_spec_t *s, char *buf, size_t size);

/* Number of dense layers, and the index of the last dense layer (-1 if none). */
int bm_spec_dense_count(const bm_spec_t *s);
int bm_spec_output_layer(const bm_spec_t *s);

#endif
