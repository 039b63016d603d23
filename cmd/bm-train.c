/* bm-train: train a Keras-style MLP on a tensor stream; write a safetensors model. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_gemm.h"
#include "bm_io.h"
#include "bm_model.h"
#include "bm_spec.h"
#include "bm_train.h"

static void usage(void)
{
	printf("Usage: bm-train [OPTION]... [FILE]\n"
	       "Train a multilayer perceptron (Keras Sequential of Dense layers) on the x\n"
	       "and y frames of the tensor stream FILE (standard input without FILE or\n"
	       "with '-') and write the model as a safetensors file. Same data, options\n"
	       "and seed give the same bytes, for any -j.\n"
	       "\n"
	       "Model:\n"
	       "  -c, --config FILE        read options from the YAML file FILE (keys as the\n"
	       "                           long options, with '_' for '-'); options given on\n"
	       "                           the command line win\n"
	       "  -l, --layers LIST        layers, the output layer included, e.g.\n"
	       "                           64:relu,dropout:0.2,10:softmax; activations:\n"
	       "                           relu leaky_relu elu gelu sigmoid tanh softmax linear\n"
	       "                           [64:relu,64:relu + softmax over the classes, or\n"
	       "                           linear for float targets]\n"
	       "      --init NAME          glorot_uniform, glorot_normal, he_uniform,\n"
	       "                           he_normal [glorot_uniform]\n"
	       "      --loss NAME          sparse_categorical_crossentropy,\n"
	       "                           categorical_crossentropy, binary_crossentropy, mse,\n"
	       "                           mae [from y and the output activation]\n"
	       "\n"
	       "Optimizer:\n"
	       "      --optimizer NAME     adam, adamw, sgd, rmsprop [adam]\n"
	       "      --learning-rate X    [0.001; sgd 0.01]\n"
	       "      --beta-1 X, --beta-2 X, --epsilon X   adam, adamw [0.9, 0.999, 1e-7]\n"
	       "      --weight-decay X     adamw decoupled weight decay [0.004]\n"
	       "      --momentum X         sgd, rmsprop [0]\n"
	       "      --nesterov           sgd: Nesterov momentum\n"
	       "      --rho X              rmsprop [0.9]\n"
	       "      --l2 X               add X * sum(w^2) of the kernels to the loss [0]\n"
	       "      --clip-norm X        scale gradients to a global norm of at most X [off]\n"
	       "      --schedule NAME      constant, step, cosine [constant]\n"
	       "      --step-epochs N      step: multiply the rate by --gamma every N epochs [10]\n"
	       "      --gamma X            step: the factor [0.1]\n"
	       "      --cosine-alpha X     cosine: the final rate as a fraction of the first [0]\n"
	       "\n"
	       "Training:\n"
	       "  -e, --epochs N           passes over the data [10]\n"
	       "  -b, --batch-size N       rows per step [32]\n"
	       "  -s, --seed N             seed of initialization, shuffling, dropout [0]\n"
	       "      --no-shuffle         keep the row order\n"
	       "      --validation-split F hold out the last fraction F of the rows [0]\n"
	       "      --validation FILE    validation data (x, y frames) instead\n"
	       "      --patience N         stop after N epochs without a better --monitor\n"
	       "                           and restore the best weights [off]\n"
	       "      --monitor M, --min-delta X  val_loss val_accuracy loss accuracy [val_loss];\n"
	       "                           the least improvement that counts [0]\n"
	       "      --x FILE --y FILE    read x and y from two files (.npy) instead of FILE\n"
	       "      --initial-weights FILE  start from the weights of a safetensors file\n"
	       "\n"
	       "Output:\n"
	       "  -o, --output FILE        write the model to FILE (atomically) [stdout]\n"
	       "      --history FILE       write per-epoch loss and metrics as TSV\n"
	       "      --checkpoint FILE    write model, optimizer and RNG state after every\n"
	       "                           epoch; '{epoch}' in FILE becomes the epoch number\n"
	       "      --resume FILE        continue from the checkpoint FILE\n"
	       "  -q, --quiet              no per-epoch lines\n"
	       "      --progress           draw the progress bar even when stderr is not a\n"
	       "                           terminal\n"
	       "  -j, --threads N          threads; 0 or auto: all cores [%d]\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 bad input, diverged training or I/O error,\n"
	       "2 usage error. See bm-train(1).\n",
	       bm_online_cores());
}

/* Spec options given on the command line, applied after -c and --resume:
 * the option's long name (its key in the spec, with '_' for '-'). */
typedef struct {
	const char *name, *value;
} setting_t;

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	bm_gemm_use_cblas();
	enum {
		/* the spec's options, first to last */
		OPT_INIT = 256, OPT_LOSS, OPT_OPTIMIZER, OPT_LR, OPT_BETA1, OPT_BETA2, OPT_EPS, OPT_WD, OPT_MOMENTUM,
		OPT_RHO, OPT_L2, OPT_CLIP, OPT_SCHEDULE, OPT_STEP_EPOCHS, OPT_GAMMA, OPT_COSINE_ALPHA, OPT_VSPLIT,
		OPT_PATIENCE, OPT_MONITOR, OPT_MIN_DELTA, OPT_NESTEROV, OPT_NO_SHUFFLE,
		/* the others */
		OPT_VALIDATION, OPT_X, OPT_Y, OPT_INITIAL, OPT_HISTORY, OPT_CHECKPOINT, OPT_RESUME, OPT_PROGRESS,
	};
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"layers", required_argument, NULL, 'l'},
		{"init", required_argument, NULL, OPT_INIT},
		{"loss", required_argument, NULL, OPT_LOSS},
		{"optimizer", required_argument, NULL, OPT_OPTIMIZER},
		{"learning-rate", required_argument, NULL, OPT_LR},
		{"lr", required_argument, NULL, OPT_LR},
		{"beta-1", required_argument, NULL, OPT_BETA1},
		{"beta-2", required_argument, NULL, OPT_BETA2},
		{"epsilon", required_argument, NULL, OPT_EPS},
		{"weight-decay", required_argument, NULL, OPT_WD},
		{"momentum", required_argument, NULL, OPT_MOMENTUM},
		{"nesterov", no_argument, NULL, OPT_NESTEROV},
		{"rho", required_argument, NULL, OPT_RHO},
		{"l2", required_argument, NULL, OPT_L2},
		{"clip-norm", required_argument, NULL, OPT_CLIP},
		{"schedule", required_argument, NULL, OPT_SCHEDULE},
		{"step-epochs", required_argument, NULL, OPT_STEP_EPOCHS},
		{"gamma", required_argument, NULL, OPT_GAMMA},
		{"cosine-alpha", required_argument, NULL, OPT_COSINE_ALPHA},
		{"epochs", required_argument, NULL, 'e'},
		{"batch-size", required_argument, NULL, 'b'},
		{"seed", required_argument, NULL, 's'},
		{"no-shuffle", no_argument, NULL, OPT_NO_SHUFFLE},
		{"validation-split", required_argument, NULL, OPT_VSPLIT},
		{"validation", required_argument, NULL, OPT_VALIDATION},
		{"patience", required_argument, NULL, OPT_PATIENCE},
		{"monitor", required_argument, NULL, OPT_MONITOR},
		{"min-delta", required_argument, NULL, OPT_MIN_DELTA},
		{"x", required_argument, NULL, OPT_X},
		{"y", required_argument, NULL, OPT_Y},
		{"initial-weights", required_argument, NULL, OPT_INITIAL},
		{"output", required_argument, NULL, 'o'},
		{"history", required_argument, NULL, OPT_HISTORY},
		{"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
		{"resume", required_argument, NULL, OPT_RESUME},
		{"quiet", no_argument, NULL, 'q'},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"threads", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	setting_t set[64];
	int nset = 0;
	const char *config = NULL, *output = NULL, *validation = NULL, *xpath = NULL, *ypath = NULL;
	bm_fit_opts_t fo = {0};
	fo.threads = bm_online_cores();
	int quiet = 0, progress = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":c:l:e:b:s:o:qj:hV", longopts, NULL)) != -1) {
		if ((c >= OPT_INIT && c <= OPT_NO_SHUFFLE) || (c < 128 && strchr("lebs", c))) {
			if (nset == 64)
				bm_usage_error("too many options");
			size_t i = 0;
			while (longopts[i].val != c) /* the first name of the option (--learning-rate, not --lr) */
				i++;
			const char *v = c == OPT_NESTEROV ? "true" : c == OPT_NO_SHUFFLE ? "false" : optarg;
			set[nset++] = (setting_t){longopts[i].name, v};
			continue;
		}
		switch (c) {
		case 'c': config = optarg; break;
		case OPT_VALIDATION: validation = optarg; break;
		case OPT_X: xpath = optarg; break;
		case OPT_Y: ypath = optarg; break;
		case OPT_INITIAL: fo.initial = optarg; break;
		case 'o': output = optarg; break;
		case OPT_HISTORY: fo.history = optarg; break;
		case OPT_CHECKPOINT: fo.checkpoint = optarg; break;
		case OPT_RESUME: fo.resume = optarg; break;
		case 'q': quiet = 1; break;
		case OPT_PROGRESS: progress = 1; break;
		case 'j': fo.threads = bm_opt_threads(optarg); break;
		case 'h': usage(); return bm_cli_exit(BM_EXIT_OK);
		case 'V': bm_print_version(); return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	if (argc - optind > 1)
		bm_usage_error("one data FILE at most (got %d)", argc - optind);
	const char *input = optind < argc ? argv[optind] : NULL;
	if ((xpath != NULL) != (ypath != NULL))
		bm_usage_error("--x and --y go together");
	if (xpath && input)
		bm_usage_error("give either FILE or --x/--y, not both");
	if (fo.resume && fo.initial)
		bm_usage_error("--resume and --initial-weights cannot be used together");

	/* The spec: defaults, the checkpoint's, -c, then the command line. */
	bm_spec_t spec;
	bm_spec_init(&spec);
	if (fo.resume && bm_checkpoint_spec(fo.resume, &spec) < 0)
		bm_die("%s", bm_errmsg());
	if (config && bm_spec_load_yaml(&spec, config) < 0)
		bm_die("%s", bm_errmsg());
	for (int i = 0; i < nset; i++) {
		char key[32];
		snprintf(key, sizeof key, "%s", strcmp(set[i].name, "no-shuffle") == 0 ? "shuffle" : set[i].name);
		for (char *k = key; *k; k++)
			*k = *k == '-' ? '_' : *k;
		if (bm_spec_set(&spec, key, set[i].value) < 0) {
			if (strcmp(key, "layers") == 0)
				bm_die("--%s: %s", set[i].name, bm_errmsg());
			bm_usage_error("--%s: %s", set[i].name, bm_errmsg());
		}
	}
	if (validation && spec.validation_split > 0)
		bm_usage_error("--validation and --validation-split cannot be used together");
	if (spec.patience > 0 && spec.monitor <= BM_MON_VAL_ACCURACY && !validation && spec.validation_split == 0)
		bm_usage_error("--patience with --monitor %s needs validation data", bm_monitor_name(spec.monitor));

	bm_out_t *out = bm_out_open(output, BM_OUT_BINARY);
	if (!out)
		bm_die("%s", bm_errmsg());

	bm_data_t data, val;
	if ((xpath ? bm_data_load_pair(&data, xpath, ypath) : bm_data_load(&data, input)) < 0)
		bm_die("%s", bm_errmsg());
	if (bm_spec_complete(&spec, &data) < 0 || bm_data_check(&data, &spec) < 0)
		bm_die("%s", bm_errmsg());
	if (validation) {
		if (bm_data_load(&val, validation) < 0 || bm_data_check(&val, &spec) < 0)
			bm_die("%s", bm_errmsg());
		if ((val.labels != NULL) != (data.labels != NULL))
			bm_die("%s: y is %s, the training y %s", val.name, val.labels ? "class ids" : "floats",
			       data.labels ? "class ids" : "floats");
		fo.validation = &val;
	}
	fo.verbose = quiet ? 0 : bm_progress_wanted(progress, quiet) ? 2 : 1;

	bm_mlp_t *m = bm_fit(&spec, &data, &fo);
	if (!m)
		bm_die("%s", bm_errmsg());
	if (bm_model_write(out, m, m->params, &spec, &data.classes, data.y_ndim, NULL, 0, NULL, 0) < 0)
		bm_die("%s", bm_errmsg());
	if (bm_out_commit(out) < 0)
		bm_die("%s", bm_errmsg());
	bm_mlp_free(m);
	bm_data_free(&data);
	if (validation)
		bm_data_free(&val);
	return bm_cli_exit(BM_EXIT_OK);
}
