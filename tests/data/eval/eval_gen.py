#!/usr/bin/python3
"""Writes the inputs of tests/eval.test into tests/data (run from there).

Seeded: running it again gives the same bytes. The expected values come
from eval_ref.py (scikit-learn), not from here: `eval_gen.py --refs`
(re)writes the golden files eval_NAME.ref and eval_NAME.report of every
case in eval_cases.txt with it.
"""
import shlex
import struct
import subprocess
import sys

import numpy as np

if sys.argv[1:] == ['--refs']:
    for line in open('eval_cases.txt'):
        if line.strip() and not line.startswith('#'):
            name, *args = shlex.split(line)
            for ext, extra in (('ref', []), ('report', ['--report'])):
                r = subprocess.run([sys.executable, 'eval_ref.py', *args, *extra],
                                   capture_output=True, text=True, check=True)
                # sklearn prints the support of a 1-row input as floats
                # ("1.0"), a quirk bm-eval does not copy: no report there
                if ext == 'ref' or not (r.stdout.startswith('rows') or name == 'one'):
                    with open(f'eval_{name}.{ext}', 'w', encoding='utf-8') as f:
                        f.write(r.stdout)
    sys.exit(0)

DT = {np.dtype('<f4'): 1, np.dtype('<f8'): 2, np.dtype('<i4'): 3,
      np.dtype('<i8'): 4, np.dtype('u1'): 5, np.dtype('i1'): 6}


def frame(name, a):
    a = np.ascontiguousarray(a)
    a = a.astype(a.dtype.newbyteorder('<'))
    dims = list(a.shape) + [0] * (4 - a.ndim)
    h = struct.pack('<4sBBH4Q24s', b'BMT1', DT[a.dtype], a.ndim, 0, *dims,
                    name.encode())
    b = a.tobytes()
    return h + b + b'\0' * (-len(b) % 64)


def classes(names):
    return frame('classes', np.frombuffer('\n'.join(names).encode(), np.uint8))


def lines(path, vals):
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(f'{v}\n' for v in vals)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


rng = np.random.default_rng(20261128)

# balanced: 3 classes, 100 rows each, 80% right
y = np.repeat(np.arange(3), 100)
p = np.where(rng.random(300) < 0.8, y, rng.integers(0, 3, 300))
lines('eval_bal.truth', y)
lines('eval_bal.pred', p)

# imbalanced, 5 classes; class 4 is never predicted
y = rng.choice(5, 500, p=[0.5, 0.25, 0.15, 0.07, 0.03])
p = np.where(rng.random(500) < 0.7, y, rng.choice(4, 500, p=[0.6, 0.2, 0.1, 0.1]))
p[p == 4] = 0
lines('eval_imb.truth', y)
lines('eval_imb.pred', p)

# a label (9) predicted but never true; labels are not 0..k-1
y = rng.choice([2, 5, 7], 200)
p = np.where(rng.random(200) < 0.6, y, rng.choice([2, 5, 7, 9], 200))
lines('eval_absent.truth', y)
lines('eval_absent.pred', p)

# string labels, UTF-8, sorted by code point
names = np.array(['chat', 'chien', 'éléphant', 'Zèbre', 'oiseau bleu'])
y = rng.integers(0, 5, 250)
p = np.where(rng.random(250) < 0.65, y, rng.integers(0, 5, 250))
lines('eval_str.truth', names[y])
lines('eval_str.pred', names[p])

# one sample
lines('eval_one.truth', ['1'])
lines('eval_one.pred', ['0'])

# regression, text
y = rng.normal(10, 3, 400)
p = y + rng.normal(0, 1.5, 400)
lines('eval_reg.truth', [repr(v) for v in y])
lines('eval_reg.pred', [repr(v) for v in p])

# CSV with quotes, a quoted newline and columns picked by name
with open('eval_csv.csv', 'w', encoding='utf-8') as f:
    f.write('id,"truth, label",note,pred\n')
    kinds = ['spam', 'ham', 'eggs "x"']
    y = rng.integers(0, 3, 120)
    p = np.where(rng.random(120) < 0.75, y, rng.integers(0, 3, 120))
    for i, (a, b) in enumerate(zip(y, p)):
        q = lambda s: '"' + s.replace('"', '""') + '"' if '"' in s or ',' in s else s
        note = '"line one\nline two"' if i % 17 == 3 else 'n'
        f.write(f'{i},{q(kinds[a])},{note},{q(kinds[b])}\r\n')

# multiclass probabilities, float32, 5 classes, two frame pairs (p then y,
# then y then p), with a classes frame
k = 5
n = 700
y = rng.integers(0, k, n).astype(np.int32)
z = rng.normal(0, 1, (n, k)) + 1.5 * np.eye(k)[y]
pr = softmax(z).astype(np.float32)
pr[5] = [0.4, 0.2, 0.2, 0.1, 0.1]         # ties
pr[6] = np.float32(0.2)                   # all tied
pr[7, :] = 0; pr[7, y[7]] = 1             # clipped at both ends
with open('eval_multi.bmt', 'wb') as f:
    f.write(classes(['setosa', 'versicolor', 'virginica', 'other', 'none']))
    f.write(frame('x', np.zeros((400, 2), np.float32)))  # skipped
    f.write(frame('p', pr[:400]) + frame('y', y[:400]))
    f.write(frame('y', y[400:]) + frame('p', pr[400:]))

# binary probabilities, float32 [n, 2]
n = 300
y = rng.integers(0, 2, n).astype(np.int32)
s = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.2 * (2 * y - 1))))
s = np.round(s, 2)  # many ties
pr = np.stack([1 - s, s], axis=1).astype(np.float32)
with open('eval_bin.bmt', 'wb') as f:
    f.write(classes(['neg', 'pos']) + frame('p', pr) + frame('y', y))

# binary, one column of float64 probabilities of class 1
with open('eval_bin1.bmt', 'wb') as f:
    f.write(frame('p', s.reshape(-1, 1).astype(np.float64)) + frame('y', y))

# float64 probabilities, 4 classes, no classes frame
n = 500
y = rng.integers(0, 4, n).astype(np.int32)
pr = softmax(rng.normal(0, 1, (n, 4)) + 2.0 * np.eye(4)[y])
with open('eval_p64.bmt', 'wb') as f:
    f.write(frame('p', pr) + frame('y', y))

# class ids: y and pred frames (i32 and i64), sparse ids, no classes frame
y = rng.choice([0, 3, 4, 10], 1000).astype(np.int32)
p = np.where(rng.random(1000) < 0.8, y, rng.choice([0, 3, 4, 10], 1000)).astype(np.int64)
with open('eval_pred.bmt', 'wb') as f:
    for i in range(0, 1000, 300):
        f.write(frame('y', y[i:i + 300]) + frame('pred', p[i:i + 300]))

# regression stream, two outputs, float32
n = 600
y = rng.normal(0, 2, (n, 2)).astype(np.float32)
p = (y + rng.normal(0, 0.5, (n, 2))).astype(np.float32)
with open('eval_reg2.bmt', 'wb') as f:
    f.write(frame('p', p[:250]) + frame('y', y[:250]) + frame('p', p[250:]) + frame('y', y[250:]))

# bad streams, for tests/eval_errors.test
y3 = np.array([0, 1, 2], np.int32)
p3 = np.full((3, 3), 1 / 3, np.float32)
bad = {
    'yonly': frame('y', y3),
    'rows': frame('p', p3) + frame('y', y3[:2]),
    'range': classes(['a', 'b']) + frame('y', y3) + frame('pred', np.array([0, 1, 1], np.int32)),
    'prange': frame('p', p3[:, :2]) + frame('y', y3),
    'neg': frame('y', np.array([0, -1, 2], np.int64)) + frame('pred', y3),
    'nan': frame('p', np.array([[0.5, 0.5], [np.nan, 1]], np.float32)) + frame('y', y3[:2]),
    'inf': frame('p', np.array([[0.5, 0.5], [0, np.inf]], np.float64)) + frame('y', y3[:2]),
    'pint': frame('p', y3) + frame('y', y3),
    'yy': frame('y', y3) + frame('y', y3),
    'mix': frame('p', p3) + frame('y', y3) + frame('pred', y3) + frame('y', y3),
    'pcols': frame('p', p3) + frame('y', y3) + frame('p', p3[:, :2]) + frame('y', y3),
    'names': classes(['a', 'b']) + frame('p', p3) + frame('y', y3),
    'late': frame('p', p3) + frame('y', y3) + classes(['a', 'b', 'c']),
    'cdtype': frame('classes', np.array([1, 2], np.int32)) + frame('pred', y3) + frame('y', y3),
    'y2d': frame('y', np.zeros((3, 2), np.int32)) + frame('pred', y3),
    'regnan': frame('y', np.array([1, np.nan, 2], np.float32)) + frame('p', np.zeros(3, np.float32)),
    'regcols': frame('y', np.zeros((3, 2), np.float32)) + frame('p', np.zeros(3, np.float32)),
    'one': frame('p', np.array([[0.9, 0.1], [0.8, 0.2]], np.float32)) + frame('y', np.zeros(2, np.int32)),
    'zero': frame('y', y3[:0]) + frame('pred', y3[:0]),
    'pdtype': frame('p', p3) + frame('y', y3) + frame('p', p3.astype(np.float64)) + frame('y', y3),
}
for name, b in bad.items():
    with open(f'eval_bad_{name}.bmt', 'wb') as f:
        f.write(b)
with open('eval_bad_trunc.bmt', 'wb') as f:
    f.write((frame('y', y3) + frame('pred', y3))[:100])
