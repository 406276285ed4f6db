#!/usr/bin/python3
"""NIST StRD linear regression: LREs of Keel and its peers, measured on this machine.

Usage: /usr/bin/python3 bench/nist/nist_lre.py [--keel PATH] [--data DIR] > table.md

For each of the 11 NIST StRD linear datasets (certified values inside each .dat file), fits the
model with the formula or call a user would write in each tool, with the data read as doubles:
  Keel        keel fit data.csv --formula "y ~ poly(x, 10, raw=TRUE)" (default --solver auto)
  numpy       numpy.linalg.lstsq on [1, x, ..., x^k] (no standard errors: it gives none)
  statsmodels statsmodels.api.OLS(y, X).fit() on the same matrix: params and bse
  sklearn     sklearn.linear_model.LinearRegression(fit_intercept=...) on [x, ..., x^k] (no SEs)
  R lm        lm(y ~ poly(x, 10, raw = TRUE)) and summary()$coefficients via Rscript
Scoring: McCullough's LRE, -log10(|est - cert| / |cert|) (absolute error where cert = 0), capped at
15 and floored at 0; a coefficient a tool drops (R's NA) scores 0. Minimum over the coefficients,
and separately over their standard deviations. Prints a Markdown table and the versions used.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

NAMES = ["Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
         "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5"]


def load(path):
    lines = open(path).read().splitlines()

    def span(label):
        for line in lines:
            m = re.search(re.escape(label) + r"\s*\(lines\s+(\d+)\s+to\s+(\d+)\)", line)
            if m:
                return int(m.group(1)), int(m.group(2))
        raise ValueError(label)

    c0, c1 = span("Certified Values")
    d0, d1 = span("Data")
    est, sd, intercept = [], [], False
    for line in lines[c0 - 1:c1]:
        m = re.match(r"\s*B(\d+)\s+(\S+)\s+(\S+)", line)
        if m:
            intercept |= m.group(1) == "0"
            est.append(float(m.group(2)))
            sd.append(float(m.group(3)))
    rows = [line.split() for line in lines[d0 - 1:d1]]
    y_text = [r[0] for r in rows]
    x_text = [r[1:] for r in rows]
    predictors = len(x_text[0])
    degree = len(est) - (1 if intercept else 0) if predictors == 1 else 1
    return dict(est=est, sd=sd, intercept=intercept, y_text=y_text, x_text=x_text,
                predictors=predictors, degree=degree)


def lre(value, cert):
    if value is None or not math.isfinite(value):
        return 0.0
    err = abs(value) if cert == 0 else abs(value - cert) / abs(cert)
    return 15.0 if err == 0 else max(0.0, min(15.0, -math.log10(err)))


def min_lre(values, certs):
    if values is None:
        return None
    return min(lre(v, c) for v, c in zip(values, certs))


def regressors(d):
    """Columns without the intercept, as doubles (powers of the double x, as numpy would form them)."""
    if d["predictors"] > 1:
        return np.array([[float(v) for v in row] for row in d["x_text"]])
    x = np.array([float(r[0]) for r in d["x_text"]])
    return np.column_stack([x ** k for k in range(1, d["degree"] + 1)])


def formula(d):
    if d["predictors"] > 1:
        return "y ~ " + " + ".join(f"x{k}" for k in range(1, d["predictors"] + 1))
    zero = "" if d["intercept"] else "0 + "
    return f"y ~ {zero}x" if d["degree"] == 1 else f"y ~ {zero}poly(x, {d['degree']}, raw=TRUE)"


def write_csv(d, path):
    header = "y,x" if d["predictors"] == 1 else "y," + ",".join(f"x{k}" for k in range(1, d["predictors"] + 1))
    with open(path, "w") as f:
        f.write(header + "\n")
        for y, xs in zip(d["y_text"], d["x_text"]):
            f.write(y + "," + ",".join(xs) + "\n")


def fit_numpy(d, y):
    z = regressors(d)
    x = np.column_stack([np.ones(len(y)), z]) if d["intercept"] else z
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    return list(beta), None


def fit_statsmodels(d, y):
    import statsmodels.api as sm
    z = regressors(d)
    x = np.column_stack([np.ones(len(y)), z]) if d["intercept"] else z
    res = sm.OLS(y, x).fit()
    return list(res.params), list(res.bse)


def fit_sklearn(d, y):
    from sklearn.linear_model import LinearRegression
    z = regressors(d)
    m = LinearRegression(fit_intercept=d["intercept"]).fit(z, y)
    beta = ([m.intercept_] if d["intercept"] else []) + list(m.coef_)
    return beta, None


def fit_r(d, csv):
    script = (
        f'd <- read.csv("{csv}"); m <- lm({formula(d).replace("TRUE", "TRUE")}, data = d); '
        'b <- coef(m); s <- summary(m)$coefficients; '
        'se <- rep(NA_real_, length(b)); names(se) <- names(b); se[rownames(s)] <- s[, 2]; '
        'cat(sprintf("%.17g", b), "\\n"); cat(sprintf("%.17g", se), "\\n")'
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True).stdout.splitlines()
    parse = lambda line: [float("nan") if t in ("NA", "NaN") else float(t) for t in line.split()]
    return parse(out[0]), parse(out[1])


def fit_keel(d, csv, keel):
    out = subprocess.run([keel, "fit", csv, "--formula", formula(d), "--quiet"], capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    coefs = [c for c in r["coefficients"] if c["status"] != "reference"]
    beta = [c["estimate"] if c["estimate"] is not None else float("nan") for c in coefs]
    sd = [c["std_error"] if c["std_error"] is not None else (0.0 if r["fit"]["sigma"] == 0 else float("nan")) for c in coefs]
    return beta, sd


def versions():
    import scipy, sklearn, statsmodels
    r = subprocess.run(["Rscript", "-e", 'cat(R.version.string)'], capture_output=True, text=True).stdout.strip()
    return (f"Python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"statsmodels {statsmodels.__version__}, scikit-learn {sklearn.__version__}, {r}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser()
    ap.add_argument("--keel", default=os.environ.get("KEEL", os.path.join(root, "src/Keel.Cli/bin/Release/net10.0/keel")))
    ap.add_argument("--data", default=os.path.abspath(os.path.join(root, "..", "shared", "data", "nist-strd")))
    a = ap.parse_args()
    if not os.path.exists(a.keel):
        a.keel = os.path.join(root, "src/Keel.Cli/bin/Debug/net10.0/keel")
    tools = ["Keel", "numpy", "statsmodels", "scikit-learn", "R lm"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            d = load(os.path.join(a.data, name + ".dat"))
            csv = os.path.join(tmp, name + ".csv")
            write_csv(d, csv)
            y = np.array([float(v) for v in d["y_text"]])
            fits = {
                "Keel": fit_keel(d, csv, a.keel),
                "numpy": fit_numpy(d, y),
                "statsmodels": fit_statsmodels(d, y),
                "scikit-learn": fit_sklearn(d, y),
                "R lm": fit_r(d, csv),
            }
            cells = []
            for t in tools:
                beta, sd = fits[t]
                b = min_lre(beta, d["est"])
                s = min_lre(sd, d["sd"]) if sd is not None else None
                cells.append(f"{b:.1f} / {'–' if s is None else f'{s:.1f}'}")
            rows.append(f"| {name} | `{formula(d)}` | " + " | ".join(cells) + " |")
    print("| dataset | formula | " + " | ".join(tools) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in tools) + " |")
    print("\n".join(rows))
    print()
    print(f"Cells: minimum LRE over coefficients / over their standard deviations (– where the tool gives none). {versions()}.")


if __name__ == "__main__":
    main()
