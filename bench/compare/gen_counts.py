#!/usr/bin/env python3
"""Counts over repeated categorical combinations: the poisson yardstick of issue 16 (Keel against
fixest's fepois on cells that compress).

The rows and their log-scale means come from ../shared/peers/gen_onehot.py (same arguments, --log
implied): y_log = intercept + Σ effects + N(0, noise_sd). The count is Poisson(exp(y_log)), so the
counts are overdispersed (the noise is lognormal), as real counts are, and PPML is the fit to use.

  gen_counts.py --rows 3000000 --card 2000,300,50,12 --distinct 20000 --intercept 1.0 --seed 3 --out counts3m.csv
  keel fit counts3m.csv --formula "y ~ C(c0) + C(c1) + C(c2) + C(c3)" --family poisson
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.environ.get("PEERS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers")))
import gen_onehot  # noqa: E402


def main():
    sys.argv += [] if "--log" in sys.argv else ["--log"]
    a = gen_onehot.parse_args()
    codes, y_log, _ = gen_onehot.generate(a)
    rng = np.random.default_rng(a.seed + 1)
    counts = rng.poisson(np.exp(y_log))
    K = codes.shape[1]
    with open(a.out, "w", buffering=1 << 22) as out:
        out.write(",".join([f"c{k}" for k in range(K)] + ["y"]) + "\n")
        chunk = 200_000
        for s in range(0, len(counts), chunk):
            lines = codes[s:s + chunk, 0].astype(str)
            for k in range(1, K):
                lines = np.char.add(np.char.add(lines, ","), codes[s:s + chunk, k].astype(str))
            lines = np.char.add(np.char.add(lines, ","), counts[s:s + chunk].astype(str))
            out.write("\n".join(lines.tolist()))
            out.write("\n")
    print(f"rows {len(counts)}, zeros {int((counts == 0).sum())}, mean {counts.mean():.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
