# Reference for RowGlmTests: fixest 0.12.2's fepois on the rows RowGlmTests writes with
# KEEL_DUMP=FOLDER (rows.csv; rows_combination.csv): fepois of y, feglm (binomial) of z. Run from anywhere:
#   KEEL_DUMP=/tmp/d dotnet test --filter RowGlmTests ; R_LIBS=... Rscript row_glm_reference.R /tmp/d
# fepois drops the all-zero levels itself; it does not see separation by a combination of levels,
# so for rows_combination.csv the planted block (a100..a149 with b0..b4) is removed first, as the
# maximum-likelihood fit without the separated rows is what Keel reports (Correia et al. 2019, Prop. 2).
suppressMessages({library(fixest); library(data.table)})
setFixest_nthreads(1)
dir <- commandArgs(TRUE)[1]
show <- function(m, label) {
  cat(label, "\n")
  cat(sprintf("  coef %s %.17g\n", names(coef(m)), coef(m)), sep = "")
  cat(sprintf("  se_iid %s %.17g\n", names(coef(m)), se(m, vcov = "iid")), sep = "")
  cat(sprintf("  se_hetero %s %.17g\n", names(coef(m)), se(m, vcov = "hetero")), sep = "")
  cat(sprintf("  se_cluster_a %s %.17g\n", names(coef(m)), se(m, cluster = ~a)), sep = "")
  cat(sprintf("  deviance %.17g nobs %d K %d removed %d\n", deviance(m), nobs(m), m$nparams, length(m$obs_selection$obsRemoved)))
}
d <- fread(file.path(dir, "rows.csv"))
show(fepois(y ~ x1 + x2 | a + b + c, d, glm.tol = 1e-10, fixef.tol = 1e-11), "rows.csv")
show(feglm(z ~ x1 + x2 | a + b + c, d, family = binomial, glm.tol = 1e-10, fixef.tol = 1e-11), "rows.csv, logit of z")
show(fepois(y ~ x1 + x2 + offset(log(e)) | a + b + c, d, glm.tol = 1e-10, fixef.tol = 1e-11), "rows.csv, offset(log(e))")
e <- fread(file.path(dir, "rows_combination.csv"))
block <- e$a %in% sprintf("a%d", 100:149) & e$b %in% sprintf("b%d", 0:4)
cat("planted", sum(block), "\n")
show(fepois(y ~ x1 + x2 | a + b + c, e[!block], glm.tol = 1e-10, fixef.tol = 1e-11), "rows_combination.csv without the block")
