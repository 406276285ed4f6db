# fixest as the row path's peer (bench/compare/fixest_shape.sh). Two modes:
#   bench      fread + feols with fixest's defaults and 2 threads (what its users run); writes the
#              covariates' estimates.
#   reference  feols with fixef.tol 3e-12 (the tightest fixest accepts), then the covariates'
#              estimates and standard errors (iid, hetero, cluster by the first factor with
#              fixest's default and with fixef.K = "full"), and every level's effect minus its
#              factor's first level (fixef), for the level-by-level comparison.
# Usage: Rscript fixest_fit.R MODE CSV FORMULA OUT_PREFIX
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE); mode <- a[1]; csv <- a[2]; fml <- as.formula(a[3]); out <- a[4]
setFixest_nthreads(2); setDTthreads(2)
t0 <- Sys.time(); d <- fread(csv); t1 <- Sys.time()
if (mode == "bench") {
  m <- feols(fml, d)
  t2 <- Sys.time()
  write.csv(data.frame(name = names(coef(m)), estimate = sprintf("%.17g", coef(m))), paste0(out, ".coef.csv"), row.names = FALSE, quote = FALSE)
  cat(sprintf("fread %.3f s, feols %.3f s\n", as.numeric(t1 - t0, units = "secs"), as.numeric(t2 - t1, units = "secs")))
} else {
  m <- feols(fml, d, fixef.tol = 3e-12, fixef.iter = 100000)
  fe <- all.vars(fml[[3]][[3]])
  r <- data.frame(name = names(coef(m)), estimate = sprintf("%.17g", coef(m)),
                  iid = sprintf("%.17g", se(m, vcov = "iid")), hetero = sprintf("%.17g", se(m, vcov = "hetero")),
                  cluster_fixest = sprintf("%.17g", se(m, cluster = fe[1])),
                  cluster_full = sprintf("%.17g", se(m, cluster = fe[1], ssc = ssc(fixef.K = "full"))))
  write.csv(r, paste0(out, ".coef.csv"), row.names = FALSE, quote = FALSE)
  f <- fixef(m, fixef.tol = 3e-12, fixef.iter = 100000)
  rows <- lapply(names(f), function(k) {
    v <- f[[k]]; lv <- names(v); o <- order(as.numeric(lv))
    data.frame(factor = k, level = lv[o], difference = sprintf("%.17g", v[o] - v[o][1]))
  })
  fwrite(do.call(rbind, rows), paste0(out, ".fixef.csv"))
}
