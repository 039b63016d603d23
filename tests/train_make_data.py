"""Writes the small data files of the bm-train / bm-predict tests into
tests/data/train and tests/data/predict (run once; the files are committed):
  train_blobs.bmt         3 classes, x f32 [240, 4] in two x/y frame pairs, a classes frame
  train_blobs_x.npy, train_blobs_y.npy   the same rows as .npy
  train_blobs_val.bmt     60 more rows of the same classes
  train_reg.bmt           regression: x [200, 3], y f32 [200]
  train_bad_*.bmt         one fault each (see the names)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_util as tu  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(6)
centers = np.array([[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0]], dtype='f4')


def blobs(n):
    y = rng.integers(0, 3, size=n).astype('<i4')
    x = (centers[y] + rng.normal(size=(n, 4))).astype('<f4')
    return x, y


def p(name):
    return os.path.join(out, 'train', name)


classes = np.frombuffer(b'setosa\nversicolor\nvirginica', 'u1')
x, y = blobs(240)
tu.write_frames(p('train_blobs.bmt'), [('classes', classes), ('x', x[:160]), ('y', y[:160]),
                                       ('x', x[160:]), ('y', y[160:])])
np.save(p('train_blobs_x.npy'), x)
np.save(p('train_blobs_y.npy'), y)
xv, yv = blobs(60)
tu.write_frames(p('train_blobs_val.bmt'), [('classes', classes), ('x', xv), ('y', yv)])

xr = rng.normal(size=(200, 3)).astype('<f4')
yr = (xr @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=200)).astype('<f4')
tu.write_frames(p('train_reg.bmt'), [('x', xr), ('y', yr)])

xb, yb = blobs(10)
tu.write_frames(p('train_bad_rows.bmt'), [('x', xb), ('y', yb[:9])])
xn = xb.copy()
xn[3, 2] = np.nan
tu.write_frames(p('train_bad_nan.bmt'), [('x', xn), ('y', yb)])
yl = yb.copy()
yl[5] = 7
tu.write_frames(p('train_bad_label.bmt'), [('x', xb), ('y', yl)])
tu.write_frames(p('train_bad_noy.bmt'), [('x', xb)])
tu.write_frames(p('train_bad_yfirst.bmt'), [('y', yb), ('x', xb)])
tu.write_frames(p('train_bad_wide.bmt'), [('x', np.zeros((10, 5), '<f4')), ('y', yb)])
tu.write_frames(p('train_bad_float.bmt'), [('x', xb), ('y', yb.astype('<f4'))])
tu.write_frames(p('train_bad_classes.bmt'), [('classes', np.frombuffer(b'a\nb\nc', 'u1')), ('x', xb), ('y', yb)])
np.save(p('train_blobs_x64.npy'), x.astype('<f8'))
np.save(p('train_blobs_y64.npy'), y.astype('<i8'))
