# clean_cmp.py: compare two CSV files by value, as tests/clean_pandas.test
# needs: same header, same rows; cells equal as text, or both missing (any
# pandas default NA spelling), or both numbers within 1e-9 relative.
#   python3 clean_cmp.py GOT.csv WANT.csv   (exit 0: same values, 1: differ)
import csv
import math
import sys

NA = {'', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND',
      '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'n/a', 'nan', 'null'}


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def same(a, b):
    if a == b or (a in NA and b in NA):
        return True
    x, y = num(a), num(b)
    if x is None or y is None:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.reader(f))


got, want = rows(sys.argv[1]), rows(sys.argv[2])
if len(got) != len(want):
    sys.exit('%s has %d lines, %s has %d' % (sys.argv[1], len(got), sys.argv[2], len(want)))
for i, (g, w) in enumerate(zip(got, want), 1):
    if len(g) != len(w) or not all(same(a, b) for a, b in zip(g, w)):
        sys.exit('record %d differs:\n  got  %r\n  want %r' % (i, g, w))
