# clean_tensor.py: check bm-clean --tensor output against pandas/numpy.
#   python3 clean_tensor.py CASE OUT.bmt CSV [TRAIN_CSV]
# CASE names the pandas computation that OUT must equal (see clean_tensor.test).
import struct
import sys

import numpy as np
import pandas as pd

DT = {1: '<f4', 2: '<f8', 3: '<i4', 4: '<i8', 5: 'u1', 6: 'i1'}


def frames(path):
    out = {}
    with open(path, 'rb') as f:
        while (h := f.read(64)):
            magic, dt, nd, flags, *dims, name = struct.unpack('<4sBBH4Q24s', h)
            assert magic == b'BMT1'
            d, shape = np.dtype(DT[dt]), tuple(dims[:nd])
            n = d.itemsize * int(np.prod(shape))
            a = np.frombuffer(f.read(n), d).reshape(shape)
            f.read(-n % 64)
            name = name.rstrip(b'\0').decode()
            if name in ('x', 'y') and name in out:
                out[name] = np.concatenate([out[name], a])
            else:
                out[name] = a
    return out


def fail(msg):
    sys.exit('%s: %s' % (case, msg))


def check_x(got, want, exact=True):
    if got.shape != want.shape:
        fail('x shape %s, want %s' % (got.shape, want.shape))
    ok = np.array_equal(got, want, equal_nan=True) if exact else \
        np.allclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True)
    if not ok:
        i = np.argwhere(~np.isclose(got, want, equal_nan=True))[0]
        fail('x%s = %r, want %r' % (tuple(i), got[tuple(i)], want[tuple(i)]))


case, out, csv = sys.argv[1], sys.argv[2], sys.argv[3]
f = frames(out)
df = pd.read_csv(csv)
cols = f['columns'].tobytes().decode().split('\n')
if case in ('penguins', 'standardize', 'minmax', 'load'):
    if case == 'load':
        train = pd.read_csv(sys.argv[4]).dropna()
    df = df.dropna()
    classes = sorted(df.species.unique()) if case != 'load' else sorted(train.species.unique())
    if f['classes'].tobytes().decode().split('\n') != classes:
        fail('classes %r, want %r' % (f['classes'].tobytes(), classes))
    y = np.array([classes.index(s) for s in df.species], np.int32)
    if not np.array_equal(f['y'], y):
        fail('y differs')
    feats = df.drop(columns=['species'])
    num = [c for c in feats.columns if c not in ('island', 'sex')]
    ref = train.drop(columns=['species']) if case == 'load' else feats
    x = pd.get_dummies(feats, columns=['island', 'sex'])
    if case == 'load':
        x = x.reindex(columns=pd.get_dummies(ref, columns=['island', 'sex']).columns, fill_value=0)
    if cols != list(x.columns):
        fail('columns %r, want %r' % (cols, list(x.columns)))
    x = x.astype('float64')
    if case in ('standardize', 'load'):
        mean, std = ref[num].mean(), ref[num].std(ddof=0)
        x[num] = (x[num] - mean) / std.replace(0, 1)
    elif case == 'minmax':
        lo, hi = ref[num].min(), ref[num].max()
        x[num] = (x[num] - lo) / (hi - lo).replace(0, 1)
    check_x(f['x'], x.to_numpy(np.float32), exact=case == 'penguins')
elif case == 'regression':
    df = df.dropna()
    if not np.array_equal(f['y'], df.body_mass_g.to_numpy(np.float32)):
        fail('y differs')
    x = pd.get_dummies(df.drop(columns=['body_mass_g']), columns=['species', 'island', 'sex'])
    if cols != list(x.columns):
        fail('columns %r, want %r' % (cols, list(x.columns)))
    check_x(f['x'], x.to_numpy(np.float32))
elif case == 'messy':
    # pd.to_numeric(errors='coerce') on the numeric columns, missing left NaN
    x = df[['id', 'age', 'score']].apply(pd.to_numeric, errors='coerce')
    x = pd.concat([x, pd.get_dummies(df[['grade']], columns=['grade'])], axis=1)
    if cols != list(x.columns):
        fail('columns %r, want %r' % (cols, list(x.columns)))
    check_x(f['x'], x.to_numpy(np.float32))
else:
    fail('unknown case')
