"""Agreement of bm-train / bm-predict with PyTorch.

  train_torch.py cases                    the case names
  train_torch.py opts CASE STEPS          bm-train options for CASE (STEPS 1 or 100)
  train_torch.py make-data DIR            write the data and initial weights (numpy only)
  train_torch.py reference DATADIR OUT    train each case with torch from the same
                                          initial weights and batches; write
                                          OUT/train_torch_CASE_STEPS.safetensors and
                                          OUT/train_torch_CASE_p.npy (predictions of the
                                          100-step model, through nn.Sequential +
                                          load_state_dict)
  train_torch.py torch-predict CASE MODEL X.bmt OUT.npy
                                          load bm's MODEL into nn.Sequential with
                                          load_state_dict(strict=True); predict X
  train_torch.py check DATADIR DIR [live]  all the comparisons for the files
                                          train_torch.test left in DIR (CASE-STEPS.st,
                                          CASE-torch.st, CASE-p.bmt, CASE-tp.bmt); with
                                          live, also against torch run now
  train_torch.py compare GOT WANT         weights of two model files agree (1e-5 relative)
  train_torch.py compare-p GOT.bmt WANT.npy   p frames of bm-predict agree with WANT

The torch side follows the Keras rules bm implements: Adam's epsilon is
Keras's "epsilon hat" (torch's eps set to 1e-7 / sqrt(1 - beta_2^t) every
step), RMSprop has its epsilon inside the square root and the global norm
clip is exact (both written out in torch), L2 adds l2 * sum(w^2) of the
kernels to the loss. Torch runs in float64, so the tolerance measures bm's
float32 arithmetic only.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_util as tu  # noqa: E402

N, D = 64, 8
CASES = {
    # name: layers, loss, targets, optimizer options, extra options
    'adam': ('16:relu,16:tanh,4:softmax', 'sparse_categorical_crossentropy', 'labels4',
             ['--optimizer', 'adam'], []),
    'acts': ('12:elu,12:gelu,12:leaky_relu,12:sigmoid,12:linear,3:softmax',
             'sparse_categorical_crossentropy', 'labels3', ['--optimizer', 'adam', '--learning-rate', '0.004'], []),
    'sgd': ('16:relu,2:linear', 'mse', 'values2',
            ['--optimizer', 'sgd', '--learning-rate', '0.05', '--momentum', '0.9', '--nesterov'], []),
    'rmsprop': ('8:tanh,1:sigmoid', 'binary_crossentropy', 'labels2',
                ['--optimizer', 'rmsprop', '--momentum', '0.5'], []),
    'adamw': ('10:gelu,3:softmax', 'categorical_crossentropy', 'probs3',
              ['--optimizer', 'adamw', '--weight-decay', '0.05', '--learning-rate', '0.003'],
              ['--l2', '0.001', '--clip-norm', '0.5']),
    'mae': ('6:elu,1:linear', 'mae', 'values1', ['--optimizer', 'sgd', '--learning-rate', '0.02'], []),
}


def steps_opts(steps):
    # 1 step: one batch of all rows; 100 steps: 25 epochs of 4 batches of 16, in order.
    return ['--epochs', '1', '--batch-size', str(N)] if steps == 1 else ['--epochs', '25', '--batch-size', '16']


def opts(case, steps):
    layers, loss, _t, opt, extra = CASES[case]
    return (['--layers', layers, '--loss', loss, '--no-shuffle', '-q'] + opt + extra + steps_opts(steps))


def make_data(out):
    rng = np.random.default_rng(20261128)
    for i, (case, (layers, _loss, target, _o, _e)) in enumerate(CASES.items()):
        x = rng.normal(size=(N, D)).astype('<f4')
        if target.startswith('labels'):
            k = int(target[6:])
            y = np.argmax(x[:, :k] + 0.5 * rng.normal(size=(N, k)), axis=1).astype('<i4')
        elif target.startswith('values'):
            k = int(target[6:])
            y = (x[:, :k] * 2 - x[:, k:2 * k] + 0.1 * rng.normal(size=(N, k))).astype('<f4')
            if k == 1:
                y = y[:, 0]
        else:  # probs
            z = rng.normal(size=(N, 3))
            y = (np.exp(z) / np.exp(z).sum(1, keepdims=True)).astype('<f4')
        tu.write_frames(os.path.join(out, 'train_torch_%s.bmt' % case), [('x', x), ('y', y)])
        # initial weights, glorot-uniform-like, in nn.Sequential names
        tensors = {}
        width, module = D, 0
        for spec in layers.split(','):
            units = int(spec.split(':')[0])
            lim = np.sqrt(6 / (width + units))
            tensors['%d.weight' % module] = rng.uniform(-lim, lim, size=(units, width)).astype('<f4')
            tensors['%d.bias' % module] = rng.uniform(-0.1, 0.1, size=(units,)).astype('<f4')
            width, module = units, module + 2
        tu.write_safetensors(os.path.join(out, 'train_torch_%s_init.safetensors' % case), tensors)


def sequential(layers):
    import torch.nn as nn
    mods, width = [], D
    acts = {'relu': nn.ReLU, 'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid, 'elu': nn.ELU,
            'gelu': nn.GELU, 'linear': nn.Identity, 'softmax': lambda: nn.Softmax(dim=1),
            'leaky_relu': lambda: nn.LeakyReLU(0.2)}
    for spec in layers.split(','):
        units, act = spec.split(':')
        mods += [nn.Linear(width, int(units)), acts[act]()]
        width = int(units)
    return nn.Sequential(*mods)


def reference(datadir, out):
    import torch
    import torch.nn.functional as F
    torch.set_default_dtype(torch.float64)
    for case, (layers, loss, _t, optargs, extra) in CASES.items():
        frames = dict(tu.read_frames(os.path.join(datadir, 'train_torch_%s.bmt' % case)))
        x = torch.tensor(frames['x'], dtype=torch.float64)
        y = torch.tensor(frames['y'])
        init, _ = tu.read_safetensors(os.path.join(datadir, 'train_torch_%s_init.safetensors' % case))
        o = dict(zip(optargs[0::2], optargs[1::2]))
        e = dict(zip(extra[0::2], extra[1::2]))
        for steps in (1, 100):
            model = sequential(layers)
            model.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in init.items()})
            params = list(model.parameters())
            kernels = [p for n, p in model.named_parameters() if n.endswith('weight')]
            name = o['--optimizer']
            lr = float(o.get('--learning-rate', 0.01 if name == 'sgd' else 0.001))
            if name == 'adam':
                opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))
            elif name == 'adamw':
                opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999),
                                        weight_decay=float(o['--weight-decay']))
            elif name == 'sgd':
                opt = torch.optim.SGD(params, lr=lr, momentum=float(o.get('--momentum', 0)),
                                      nesterov='--nesterov' in optargs)
            else:
                state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
            bs = N if steps == 1 else 16
            epochs = 1 if steps == 1 else 25
            t = 0
            for _ in range(epochs):
                for start in range(0, N, bs):
                    xb, yb = x[start:start + bs], y[start:start + bs]
                    z = model[:-1](xb)  # logits: the fused losses start from them
                    if loss == 'sparse_categorical_crossentropy':
                        L = F.cross_entropy(z, yb.long())
                    elif loss == 'categorical_crossentropy':
                        L = -(yb.double() * F.log_softmax(z, dim=1)).sum(1).mean()
                    elif loss == 'binary_crossentropy':
                        L = F.binary_cross_entropy_with_logits(z[:, 0], yb.double())
                    elif loss == 'mse':
                        L = F.mse_loss(model(xb), yb.double())
                    else:
                        L = F.l1_loss(model(xb)[:, 0], yb.double())
                    if '--l2' in e:
                        L = L + float(e['--l2']) * sum((k * k).sum() for k in kernels)
                    for p in params:
                        p.grad = None
                    L.backward()
                    if '--clip-norm' in e:
                        c = float(e['--clip-norm'])
                        norm = torch.sqrt(sum((p.grad * p.grad).sum() for p in params))
                        if norm > c:
                            for p in params:
                                p.grad *= c / norm
                    t += 1
                    if name in ('adam', 'adamw'):
                        opt.param_groups[0]['eps'] = 1e-7 / np.sqrt(1 - 0.999 ** t)
                        opt.step()
                    elif name == 'sgd':
                        opt.step()
                    else:  # Keras RMSprop: v = rho v + (1-rho) g^2; inc = lr g / sqrt(v + eps)
                        mom = float(o.get('--momentum', 0))
                        with torch.no_grad():
                            for p, (v, m) in zip(params, state):
                                v.mul_(0.9).add_(0.1 * p.grad * p.grad)
                                inc = lr * p.grad / torch.sqrt(v + 1e-7)
                                if mom > 0:
                                    m.mul_(mom).add_(inc)
                                    p.sub_(m)
                                else:
                                    p.sub_(inc)
            sd = {k: v.detach().numpy().astype('<f4') for k, v in model.state_dict().items()}
            tu.write_safetensors(os.path.join(out, 'train_torch_%s_%d.safetensors' % (case, steps)), sd)
        # predictions of the 100-step model, loaded into a fresh nn.Sequential
        model = sequential(layers)
        model.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in sd.items()})
        model.eval()
        with torch.no_grad():
            p = model(x).numpy().astype('<f4')
        if p.shape[1] == 1 and frames['y'].ndim == 1:
            p = p[:, 0]  # y was [n]: bm writes p [n]
        np.save(os.path.join(out, 'train_torch_%s_p.npy' % case), p)


def torch_predict(case, model_path, xpath, out):
    import torch
    torch.set_default_dtype(torch.float64)
    sd, meta = tu.read_safetensors(model_path)
    assert 'spec' in meta and 'bm_version' in meta, meta
    model = sequential(CASES[case][0])
    model.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in sd.items()}, strict=True)
    model.eval()
    frames = dict(tu.read_frames(xpath))
    with torch.no_grad():
        p = model(torch.tensor(frames['x'], dtype=torch.float64)).numpy().astype('<f4')
    if p.shape[1] == 1 and meta.get('y_ndim') == '1':
        p = p[:, 0]
    np.save(out, p)


def close(a, b, what):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        sys.exit('%s: shape %s, want %s' % (what, a.shape, b.shape))
    scale = max(np.abs(b).max(), 1e-3)
    err = np.abs(a - b).max() / scale
    if not err <= 1e-5:
        sys.exit('%s: relative difference %.3g > 1e-5' % (what, err))
    if os.environ.get('BM_VERBOSE'):
        print('%s: relative difference %.3g' % (what, err))


def compare(got, want):
    g, _ = tu.read_safetensors(got)
    w, _ = tu.read_safetensors(want)
    for name in w:
        if name not in g:
            sys.exit('%s: tensor %s missing' % (got, name))
        close(g[name], w[name], '%s %s' % (got, name))


def compare_p(got, want):
    frames = [a for n, a in tu.read_frames(got) if n == 'p']
    close(np.concatenate(frames), np.load(want), got)


def check(datadir, d, live):
    for case in CASES:
        for steps in (1, 100):
            compare('%s/%s-%d.st' % (d, case, steps), '%s/train_torch_%s_%d.safetensors' % (datadir, case, steps))
        compare_p('%s/%s-tp.bmt' % (d, case), '%s/train_torch_%s_p.npy' % (datadir, case))
    if not live:
        return
    ref = os.path.join(d, 'ref')
    os.mkdir(ref)
    reference(datadir, ref)
    for case in CASES:
        for steps in (1, 100):
            compare('%s/%s-%d.st' % (d, case, steps), '%s/train_torch_%s_%d.safetensors' % (ref, case, steps))
        torch_predict(case, '%s/%s-100.st' % (d, case), '%s/train_torch_%s.bmt' % (datadir, case),
                      '%s/%s-p.npy' % (ref, case))
        compare_p('%s/%s-p.bmt' % (d, case), '%s/%s-p.npy' % (ref, case))


def main():
    cmd = sys.argv[1]
    if cmd == 'cases':
        print(' '.join(CASES))
    elif cmd == 'opts':
        print('\n'.join(opts(sys.argv[2], int(sys.argv[3]))))
    elif cmd == 'make-data':
        make_data(sys.argv[2])
    elif cmd == 'reference':
        reference(sys.argv[2], sys.argv[3])
    elif cmd == 'torch-predict':
        torch_predict(*sys.argv[2:6])
    elif cmd == 'check':
        check(sys.argv[2], sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == 'live')
    elif cmd == 'compare':
        compare(sys.argv[2], sys.argv[3])
    elif cmd == 'compare-p':
        compare_p(sys.argv[2], sys.argv[3])
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
