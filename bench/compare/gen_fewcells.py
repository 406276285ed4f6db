#!/usr/bin/env python3
"""Many rows, few cells: the row-pass yardstick of issue 15 (Keel's read against DuckDB's GROUP BY).

Three factors drawn uniformly (default 50, 30 and 12 levels, so 18,000 cells) and a target with
four decimals: y = 10 + a/10 + b/20 + c/30 + N(0, 1), rounded to 1e-4. Written in blocks of a million
rows so 100M rows (about 1.5 GB) need little memory.

  gen_fewcells.py --rows 100000000 --seed 1 --out few100m.csv
  keel fit few100m.csv --formula "y ~ C(a) + C(b) + C(c)"
"""
import argparse
import sys

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--card", default="50,30,12", help="levels of a, b and c")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    ka, kb, kc = (int(k) for k in args.card.split(","))
    rng = np.random.default_rng(args.seed)
    block = 1_000_000
    with open(args.out, "w", newline="\n") as out:
        out.write("a,b,c,y\n")
        left = args.rows
        while left > 0:
            n = min(block, left)
            a = rng.integers(0, ka, n)
            b = rng.integers(0, kb, n)
            c = rng.integers(0, kc, n)
            y = np.round(10 + a / 10 + b / 20 + c / 30 + rng.standard_normal(n), 4)
            lines = np.char.add(np.char.add(np.char.add(a.astype(str), ","), np.char.add(b.astype(str), ",")),
                                np.char.add(np.char.add(c.astype(str), ","), np.char.mod("%.4f", y)))
            out.write("\n".join(lines.tolist()))
            out.write("\n")
            left -= n
    return 0


if __name__ == "__main__":
    sys.exit(main())
