# fixest as the logit peer on repeated categorical rows: fread + feglm(z ~ 1 | c0 + c1 + c2 + c3,
# family = binomial) + fixef, 2 threads. Usage: Rscript feglm_binomial.R CSV OUT (writes the deviance and the rows)
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE)
setFixest_nthreads(2); setDTthreads(2)
d <- fread(a[1])
m <- feglm(z ~ 1 | c0 + c1 + c2 + c3, d, family = binomial)
f <- fixef(m)
cat(sprintf("deviance %.17g n %d fe %d\n", deviance(m), nobs(m), length(unlist(f))), file = a[2])
