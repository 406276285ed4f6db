# fixest as the poisson peer on counts (bench/compare/gen_counts.py): fread + fepois + fixef, 2 threads.
# Usage: Rscript fepois_counts.R CSV OUT  (writes the deviance of the rows, the rows and the number of fixed effects)
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE)
setFixest_nthreads(2); setDTthreads(2)
d <- fread(a[1])
m <- fepois(y ~ 1 | c0 + c1 + c2 + c3, d)
f <- fixef(m)
cat(sprintf("deviance %.15g n %d fe %d\n", deviance(m), nobs(m), length(unlist(f))), file = a[2])
