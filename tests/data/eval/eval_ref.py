#!/usr/bin/python3
"""The reference for bm-eval: scikit-learn on the same input.

Takes bm-eval's input options (FILE, --truth/--pred, --csv/--truth-col/
--pred-col, -r, -k) and prints what scikit-learn computes, in the keys of
`bm-eval --format tsv`; with --report, sklearn's classification_report
(digits=6) instead. `--batch FILE` runs many at once (see batch()).
tests/eval.test runs it live when python3-sklearn is
installed and keeps its output as the golden files tests/data/eval/eval_*.ref.

How the input maps to sklearn's arguments (the choices bm-eval(1) states):
text labels are integers when every one of them is, else strings; class
ids of a stream use labels 0..k-1 for the probability metrics, where k is
the number of p columns (2 for a single column); binary ROC AUC and top-k
take the scores of class 1; regression metrics run on float64.
"""
import argparse
import csv
import io
import math
import struct
import sys
import warnings

import numpy as np
from sklearn import metrics as M

warnings.simplefilter('ignore')

DT = {1: '<f4', 2: '<f8', 3: '<i4', 4: '<i8', 5: 'u1', 6: 'i1'}


def frames(f):
    while (h := f.read(64)):
        magic, dt, nd, flags, *dims, name = struct.unpack('<4sBBH4Q24s', h)
        assert magic == b'BMT1', 'not a BMT1 stream'
        d, shape = np.dtype(DT[dt]), tuple(dims[:nd])
        n = d.itemsize * int(np.prod(shape))
        yield name.rstrip(b'\0').decode(), np.frombuffer(f.read(n), d).reshape(shape)
        f.read(-n % 64)


def labels_of(vals):
    """Text labels as bm-eval reads them: all integers -> int64, else str."""
    try:
        return np.array([int(v) for v in vals], dtype=np.int64)
    except ValueError:
        return np.array(vals, dtype=str)


def read_lines(path):
    with open(path, encoding='utf-8', newline='') as f:
        return [l[:-1] if l.endswith('\r') else l for l in f.read().split('\n')[:-1]]


def out(key, v):
    if isinstance(v, (int, np.integer)):
        print(f'{key}\t{int(v)}')
    elif v is None or (isinstance(v, float) and math.isnan(v)):
        print(f'{key}\tnan')
    else:
        print(f'{key}\t{float(v)!r}')


def esc(s):
    return str(s).replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')


def safe(f):
    try:
        return f()
    except ValueError:
        return None


def classification(y, p, names=None, proba=None, k=2, report=False):
    labels = np.unique(np.concatenate([y, p]))   # unique_labels: the sorted union
    shown = [names[i] if names is not None else str(i) for i in labels] \
        if y.dtype.kind in 'iu' else [str(l) for l in labels]
    if report:
        sys.stdout.write(M.classification_report(y, p, digits=6, target_names=shown))
        return
    out('rows', len(y))
    out('accuracy', M.accuracy_score(y, p))
    out('balanced_accuracy', M.balanced_accuracy_score(y, p))
    for avg in ('macro', 'micro', 'weighted'):
        out(f'precision_{avg}', M.precision_score(y, p, average=avg))
        out(f'recall_{avg}', M.recall_score(y, p, average=avg))
        out(f'f1_{avg}', M.f1_score(y, p, average=avg))
    with np.errstate(all='ignore'):
        out('cohen_kappa', M.cohen_kappa_score(y, p))
    out('mcc', M.matthews_corrcoef(y, p))
    if proba is not None:
        ncol = 1 if proba.ndim == 1 else proba.shape[1]
        out('log_loss', M.log_loss(y, proba, labels=np.arange(max(ncol, 2))))
        if ncol <= 2:
            s = proba if proba.ndim == 1 else proba[:, -1]
            out('top_k_accuracy', M.top_k_accuracy_score(y, s, k=k, labels=[0, 1]))
            out('roc_auc', safe(lambda: M.roc_auc_score(y, s)))
        else:
            out('top_k_accuracy', M.top_k_accuracy_score(y, proba, k=k, labels=np.arange(ncol)))
            out('roc_auc_ovr', safe(lambda: M.roc_auc_score(
                y, proba, multi_class='ovr', labels=np.arange(ncol))))
    pr, rc, f1, sup = M.precision_recall_fscore_support(y, p, labels=labels)
    for i, name in enumerate(shown):
        out(f'per_class.precision.{esc(name)}', pr[i])
        out(f'per_class.recall.{esc(name)}', rc[i])
        out(f'per_class.f1.{esc(name)}', f1[i])
        out(f'per_class.support.{esc(name)}', sup[i])
    cm = M.confusion_matrix(y, p, labels=labels)
    for i, a in enumerate(shown):
        for j, b in enumerate(shown):
            out(f'confusion_matrix.{esc(a)}.{esc(b)}', cm[i, j])


def regression(y, p):
    y = np.asarray(y, np.float64)
    p = np.asarray(p, np.float64)
    out('rows', len(y))
    out('mse', M.mean_squared_error(y, p))
    out('rmse', M.mean_squared_error(y, p, squared=False))
    out('mae', M.mean_absolute_error(y, p))
    out('r2', M.r2_score(y, p))
    out('max_error', safe(lambda: M.max_error(y, p)))


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument('file', nargs='?')
    ap.add_argument('--truth')
    ap.add_argument('--pred')
    ap.add_argument('--csv')
    ap.add_argument('--truth-col')
    ap.add_argument('--pred-col')
    ap.add_argument('-r', '--regression', action='store_true')
    ap.add_argument('-k', '--top-k', type=int, default=2)
    ap.add_argument('--report', action='store_true')
    a, _ = ap.parse_known_args(argv)
    if a.truth:
        t, p = read_lines(a.truth), read_lines(a.pred)
    elif a.csv:
        with open(a.csv, encoding='utf-8', newline='') as f:
            rows = list(csv.reader(f))
        head = rows[0]
        col = lambda c: head.index(c) if c in head else int(c) - 1
        t = [r[col(a.truth_col)] for r in rows[1:] if r]
        p = [r[col(a.pred_col)] for r in rows[1:] if r]
    else:
        data = open(a.file, 'rb').read() if a.file else sys.stdin.buffer.read()
        fr = {'y': [], 'p': [], 'pred': []}
        names = None
        for name, arr in frames(io.BytesIO(data)):
            if name == 'classes':
                names = arr.tobytes().decode().split('\n')
            elif name in fr:
                fr[name].append(arr)
        y = np.concatenate(fr['y'])
        if a.regression or y.dtype.kind == 'f':
            return regression(y, np.concatenate(fr['p'] or fr['pred']))
        if fr['p']:
            proba = np.concatenate(fr['p'])
            if proba.ndim == 1 or proba.shape[1] == 1:
                pred = (proba.reshape(-1) > 0.5).astype(np.int64)
            else:
                pred = np.argmax(proba, axis=1)
            return classification(y.astype(np.int64), pred, names, proba, a.top_k, a.report)
        return classification(y.astype(np.int64), np.concatenate(fr['pred']).astype(np.int64),
                              names, None, a.top_k, a.report)
    if a.regression:
        return regression([float(v) for v in t], [float(v) for v in p])
    v = labels_of(t + p)
    classification(v[:len(t)], v[len(t):], report=a.report)


def batch(path):
    """Each line of PATH: OUT ARGS... (shell words): writes OUT.ref and OUT.report."""
    import shlex
    for line in open(path, encoding='utf-8'):
        if not line.strip():
            continue
        dest, *args = shlex.split(line)
        for ext, extra in (('ref', []), ('report', ['--report'])):
            with open(f'{dest}.{ext}', 'w', encoding='utf-8') as f:
                sys.stdout = f
                try:
                    main(args + extra)
                finally:
                    sys.stdout = sys.__stdout__


if sys.argv[1:2] == ['--batch']:
    batch(sys.argv[2])
else:
    main(sys.argv[1:])
