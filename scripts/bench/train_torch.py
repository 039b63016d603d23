"""The PyTorch side of scripts/bench/train: the same model, initialization,
optimizer, batch size, epochs and per-epoch shuffling as bm-train, on the
same bytes (BMT1 streams of x f32 and y i32 frames).

Usage: train_torch.py train TRAIN TEST HIDDEN BATCH EPOCHS MODEL
       train_torch.py predict MODEL TEST OUT
  HIDDEN: hidden widths joined by commas (e.g. 64,64); relu after each,
  then a softmax output over the classes (fused into the loss, as Keras
  and bm-train do). Glorot-uniform weights, zero biases, Adam with Keras'
  defaults (lr 1e-3, betas 0.9/0.999, epsilon 1e-7).

train prints one line of JSON: epoch seconds, test accuracy, inference
seconds (the median of 5 forward passes over the whole test set in memory,
under inference_mode: PyTorch's best case; no process start or file
reading), the same in batches of 32 as Keras' model.predict does by
default (median of 3), and saves the model (torch.save) to MODEL. predict is the end to
end counterpart of bm-predict: load MODEL, read TEST, write the
probabilities to OUT (.npy).
Thread settings come from the caller (torch.set_num_threads is set from
BM_TORCH_THREADS, default 1; OpenBLAS's from OPENBLAS_NUM_THREADS).
"""
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

DT = {1: '<f4', 2: '<f8', 3: '<i4', 4: '<i8', 5: 'u1', 6: 'i1'}


def read_xy(path):
    """x [n, d] f32 and y [n] int64 from the x/y frames of a BMT1 stream."""
    xs, ys = [], []
    with open(path, 'rb') as f:
        while True:
            h = f.read(64)
            if not h:
                break
            magic, dt, nd, _flags, *dims, name = struct.unpack('<4sBBH4Q24s', h)
            if magic != b'BMT1':
                sys.exit(f'{path}: not a BMT1 stream')
            d = np.dtype(DT[dt])
            shape = tuple(dims[:nd])
            n = d.itemsize * int(np.prod(shape))
            a = np.frombuffer(f.read(n), d).reshape(shape)
            f.read(-n % 64)
            name = name.rstrip(b'\0').decode()
            if name == 'x':
                xs.append(a.astype(np.float32))
            elif name == 'y':
                ys.append(a.astype(np.int64))
    return torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys))


def predict(model_path, test, out):
    torch.set_num_threads(int(os.environ.get('BM_TORCH_THREADS', '1')))
    model = torch.load(model_path)
    xt, _ = read_xy(test)
    with torch.inference_mode():
        p = model(xt).softmax(1)
    np.save(out, p.numpy())


def main():
    if sys.argv[1] == 'predict':
        return predict(*sys.argv[2:5])
    train, test, hidden, batch, epochs, save = sys.argv[2:8]
    batch, epochs = int(batch), int(epochs)
    torch.set_num_threads(int(os.environ.get('BM_TORCH_THREADS', '1')))
    torch.manual_seed(0)
    x, y = read_xy(train)
    xt, yt = read_xy(test)
    classes = int(max(y.max(), yt.max())) + 1
    widths = [x.shape[1]] + [int(h) for h in hidden.split(',') if h] + [classes]
    layers = []
    for i in range(len(widths) - 1):
        lin = torch.nn.Linear(widths[i], widths[i + 1])
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    lossf = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    g = torch.Generator().manual_seed(0)
    secs = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=g)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        secs.append(time.perf_counter() - t0)
    with torch.inference_mode():
        acc = float((model(xt).argmax(1) == yt).float().mean())
        inf = []
        for _ in range(5):
            t0 = time.perf_counter()
            model(xt).softmax(1)
            inf.append(time.perf_counter() - t0)
        # Keras' model.predict, which bm-predict stands in for, runs batches of 32 by default.
        inf32 = []
        for _ in range(3):
            t0 = time.perf_counter()
            for s in range(0, xt.shape[0], 32):
                model(xt[s:s + 32]).softmax(1)
            inf32.append(time.perf_counter() - t0)
    torch.save(model, save)
    print(json.dumps({'epoch_seconds': secs, 'accuracy': acc, 'infer_seconds': statistics.median(inf),
                      'infer32_seconds': statistics.median(inf32),
                      'infer_rows': int(xt.shape[0]), 'params': sum(p.numel() for p in model.parameters())}))


if __name__ == '__main__':
    main()
