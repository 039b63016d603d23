# clean_pandas.py: the pandas reference for tests/clean_pandas.test.
#   python3 clean_pandas.py CASE FILE   -> the pandas result as CSV on stdout
# Each case is the pandas 1.5 expression that the bm-clean options of the
# same case in clean_pandas.test must match (in values, not float format).
import sys

import pandas as pd


def cases(df):
    sub = ['age', 'score', 'name', 'city', 'grade']
    return {
        'dropna': lambda: df.dropna(),
        'dropna_all_subset': lambda: df.dropna(how='all', subset=['age', 'score']),
        'dropna_subset': lambda: df.dropna(subset=['age', 'city']),
        'thresh': lambda: df.dropna(thresh=5),
        'fillna0': lambda: df.fillna(0),
        'fillna_col': lambda: df.fillna({'age': 0, 'city': 'Unknown'}),
        'fillna_mean': lambda: df.fillna(df.mean(numeric_only=True)),
        'fillna_median': lambda: df.fillna(df.median(numeric_only=True)),
        'fillna_mode': lambda: df.fillna(df.mode().iloc[0]),
        'ffill': lambda: df.ffill(),
        'bfill': lambda: df.bfill(),
        'ffill_bfill': lambda: df.ffill().bfill(),
        'ffill_fill0': lambda: df.ffill().fillna(0),
        'dedup': lambda: df.drop_duplicates(),
        'dedup_subset': lambda: df.drop_duplicates(subset=sub),
        'columns': lambda: df[['city', 'id']],
        'drop': lambda: df.drop(columns=['age', 'name']),
        'combined': lambda: (lambda d: d.fillna(d.mean(numeric_only=True)))(df.dropna(subset=['name'])),
        'penguins_dropna': lambda: df.dropna(),
        'penguins_mean': lambda: df.fillna(df.mean(numeric_only=True)),
        'penguins_mode': lambda: df.fillna(df.mode().iloc[0]),
    }


case, path = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)
cases(df)[case]().to_csv(sys.stdout, index=False)
