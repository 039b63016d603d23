"""Helpers for the bm-train / bm-predict tests: BMT1 streams and
safetensors files with nothing but numpy (safetensors is not in Debian)."""
import json
import struct

import numpy as np

DT = {1: '<f4', 2: '<f8', 3: '<i4', 4: '<i8', 5: 'u1', 6: 'i1'}
CODE = {np.dtype('<f4'): 1, np.dtype('<f8'): 2, np.dtype('<i4'): 3,
        np.dtype('<i8'): 4, np.dtype('u1'): 5, np.dtype('i1'): 6}


def read_frames(path):
    """[(name, array)] of a BMT1 stream."""
    out = []
    with open(path, 'rb') as f:
        while True:
            h = f.read(64)
            if not h:
                return out
            magic, dt, nd, _flags, *dims, name = struct.unpack('<4sBBH4Q24s', h)
            assert magic == b'BMT1', 'not a BMT1 stream'
            d = np.dtype(DT[dt])
            shape = tuple(dims[:nd])
            n = d.itemsize * int(np.prod(shape))
            a = np.frombuffer(f.read(n), d).reshape(shape)
            f.read(-n % 64)
            out.append((name.rstrip(b'\0').decode(), a))


def write_frames(path, frames):
    with open(path, 'wb') as f:
        for name, a in frames:
            a = np.ascontiguousarray(a)
            a = a.astype(a.dtype.newbyteorder('<'))
            dims = list(a.shape) + [0] * (4 - a.ndim)
            f.write(struct.pack('<4sBBH4Q24s', b'BMT1', CODE[a.dtype], a.ndim, 0,
                                *dims, name.encode()))
            b = a.tobytes()
            f.write(b + b'\0' * (-len(b) % 64))


def read_safetensors(path):
    """(tensors as {name: float32 array}, metadata dict)."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        assert e['dtype'] == 'F32', e
        b, end = e['data_offsets']
        out[name] = np.frombuffer(data[b:end], '<f4').reshape(e['shape']).copy()
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    off = 0
    blobs = []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
