# fixest on a factors-only shape (the 2M-row p1/u1 shapes of bench/compare/run.sh), as its users run
# it: fread, feols(y ~ 1 | f1 + ... ) with 2 threads, then fixef for every level's effect (what Keel
# reports). Writes the levels' effects minus each factor's first level, for the comparison with Keel.
# Usage: Rscript fixest_factors.R CSV "c0 + c1 + c2 + c3" OUT.csv
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE); csv <- a[1]; factors <- a[2]; out <- a[3]
setFixest_nthreads(2); setDTthreads(2)
d <- fread(csv)
m <- feols(as.formula(paste("y ~ 1 |", factors)), d)
f <- fixef(m)
rows <- lapply(names(f), function(k) {
  v <- f[[k]]; lv <- names(v); o <- order(as.numeric(lv))
  data.frame(factor = k, level = lv[o], difference = sprintf("%.17g", v[o] - v[o][1]))
})
write.csv(do.call(rbind, rows), out, row.names = FALSE, quote = FALSE)
