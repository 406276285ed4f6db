# fixest as the logit peer on fixest's benchmark shape with z = [y >= 2]: fread + feglm(z ~ X1 |
# dum_1 + dum_2 + dum_3, family = binomial) + fixef, 2 threads, default tolerances.
# Usage: Rscript feglm_shape.R CSV OUT  (writes X1, the deviance and the rows fitted)
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE)
setFixest_nthreads(2); setDTthreads(2)
d <- fread(a[1])
m <- feglm(z ~ X1 | dum_1 + dum_2 + dum_3, d, family = binomial)
f <- fixef(m)
cat(sprintf("X1 %.17g deviance %.17g n %d fe %d\n", coef(m)[["X1"]], deviance(m), nobs(m), length(unlist(f))), file = a[2])
