#!/usr/bin/python3
"""statsmodels GLM and scikit-learn as poisson/logit peers of keel fit --family (issue 16), on one CSV.

  py_glm.py TOOL FAMILY CSV TARGET FACTORS NUMERIC OUT
    TOOL     statsmodels (GLM, IRLS, dense design: only where the dense one-hot fits in memory) or
             sklearn (PoissonRegressor(alpha=0) / LogisticRegression(penalty=None), lbfgs on the
             sparse one-hot design)
    FAMILY   poisson | binomial
    FACTORS  comma list of categorical columns (treatment coded, first level dropped), or -
    NUMERIC  comma list of continuous columns, or -
  Writes the numeric columns' coefficients, the deviance of the rows and the iterations to OUT.
  Run with /usr/bin/python3 (Debian's numpy, pandas, scipy, scikit-learn 1.2, statsmodels 0.13).
"""
import sys
import numpy as np
import pandas as pd
import scipy.sparse as sp


def deviance(family, y, mu):
    mu = np.clip(mu, 1e-300, None)
    if family == "poisson":
        t = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0)
        return 2 * np.sum(t - (y - mu))
    mu = np.clip(mu, 1e-300, 1 - 1e-16)
    return -2 * np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu))


def main():
    tool, family, csv, target, factors, numeric, out = sys.argv[1:8]
    factors = [] if factors == "-" else factors.split(",")
    numeric = [] if numeric == "-" else numeric.split(",")
    d = pd.read_csv(csv)
    y = d[target].to_numpy(dtype=float)
    blocks, names = [], []
    for f in factors:
        codes, levels = pd.factorize(d[f], sort=True)
        n = len(codes)
        m = sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, len(levels)))[:, 1:]
        blocks.append(m)
        names += [f"{f}[{l}]" for l in levels[1:]]
    for c in numeric:
        blocks.append(sp.csr_matrix(d[c].to_numpy(dtype=float).reshape(-1, 1)))
        names.append(c)
    X = sp.hstack(blocks, format="csr")
    if tool == "sklearn":
        from sklearn.linear_model import PoissonRegressor, LogisticRegression
        if family == "poisson":
            m = PoissonRegressor(alpha=0.0, max_iter=10000, tol=1e-10).fit(X, y)
            mu = m.predict(X)
        else:
            m = LogisticRegression(penalty=None, max_iter=10000, tol=1e-10).fit(X, y)
            mu = m.predict_proba(X)[:, 1]
        coef = np.ravel(m.coef_)
        iters = int(np.max(m.n_iter_))
    else:
        import statsmodels.api as sm
        Xd = sm.add_constant(X.toarray(), has_constant="add")
        fam = sm.families.Poisson() if family == "poisson" else sm.families.Binomial()
        r = sm.GLM(y, Xd, family=fam).fit(tol=1e-10, maxiter=200)
        coef = r.params[1:]
        mu = r.fittedvalues
        iters = int(r.fit_history["iteration"]) if hasattr(r, "fit_history") else -1
    with open(out, "w") as o:
        for c in numeric:
            o.write(f"{c} {coef[names.index(c)]:.17g}\n")
        o.write(f"deviance {deviance(family, y, mu):.17g} iterations {iters}\n")


if __name__ == "__main__":
    sys.exit(main())
