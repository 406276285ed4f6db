# R's glm as the poisson peer on counts (bench/compare/gen_counts.py, glm_shape.sh): fread + glm on
# the rows, one dense model matrix (rows x levels), so it runs only on small shapes.
# Usage: Rscript glm_counts.R CSV OUT  (writes the rows' deviance, the rows, iterations, convergence)
# epsilon 1e-10 (R's default 1e-8): separated levels (all-zero counts) make glm walk their
# estimates towards -infinity, and the tighter rule brings its deviance to the limit Keel reports.
suppressMessages({library(data.table)})
a <- commandArgs(TRUE)
setDTthreads(2)
d <- fread(a[1])
factors <- grep("^c[0-9]+$", names(d), value = TRUE)
for (f in factors) set(d, j = f, value = factor(d[[f]]))
m <- suppressWarnings(glm(reformulate(factors, "y"), family = poisson, data = d,
                          control = glm.control(epsilon = 1e-10, maxit = 100)))
cat(sprintf("deviance %.15g n %d iter %d converged %s\n", deviance(m), nobs(m), m$iter, m$converged), file = a[2])
