#!/usr/bin/python3
"""wc_ref.py: reference word counts for bm-wordcount's tests, in plain Python.

usage: wc_ref.py [-i] [--alnum] [--min-length N] [--sort count|word|none]
                 [-n N] [--min-count N] [--format tsv|space] [FILE]...
Words are bytes.split() (ASCII whitespace), or with --alnum the runs of
[A-Za-z0-9\\x80-\\xff]; a collections.Counter counts them (its insertion order
is the order of first appearance, which --sort none prints).
"""
import argparse
import collections
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument('-i', action='store_true')
ap.add_argument('--alnum', action='store_true')
ap.add_argument('--min-length', type=int, default=0)
ap.add_argument('--sort', default='count')
ap.add_argument('-n', type=int, default=None)
ap.add_argument('--min-count', type=int, default=1)
ap.add_argument('--format', default='tsv')
ap.add_argument('files', nargs='*')
a = ap.parse_args()

c = collections.Counter()
for f in a.files or ['-']:
    data = sys.stdin.buffer.read() if f == '-' else open(f, 'rb').read()
    words = re.findall(rb'[A-Za-z0-9\x80-\xff]+', data) if a.alnum else data.split()
    if a.i:
        words = [w.lower() for w in words]
    if a.min_length > 1:
        words = [w for w in words if sum(1 for b in w if b & 0xc0 != 0x80) >= a.min_length]
    c.update(words)

items = [(w, n) for w, n in c.items() if n >= max(a.min_count, 1)]
if a.sort == 'count':
    items.sort(key=lambda t: (-t[1], t[0]))
elif a.sort == 'word':
    items.sort()
if a.n is not None:
    items = items[:a.n]
sep = b'\t' if a.format == 'tsv' else b' '
out = sys.stdout.buffer
for w, n in items:
    out.write(w + sep + str(n).encode() + b'\n')
