# fixest as the poisson peer on fixest's benchmark shape with its count column (gen_fe_bench.py):
# fread + fepois(y ~ X1 | dum_1 + dum_2 + dum_3) + fixef, 2 threads, default tolerances.
# Usage: Rscript fepois_shape.R CSV OUT  (writes X1, its iid/hetero/cluster(dum_1) standard errors,
# the deviance and the rows fitted, for the agreement columns of docs/benchmarks.md)
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE)
setFixest_nthreads(2); setDTthreads(2)
d <- fread(a[1])
m <- fepois(y ~ X1 | dum_1 + dum_2 + dum_3, d)
f <- fixef(m)
cat(sprintf("X1 %.17g se_iid %.17g se_hetero %.17g se_cluster %.17g deviance %.17g n %d fe %d\n",
            coef(m)[["X1"]], se(m, vcov = "iid")[["X1"]], se(m, vcov = "hetero")[["X1"]], se(m, cluster = ~dum_1)[["X1"]],
            deviance(m), nobs(m), length(unlist(f))), file = a[2])
