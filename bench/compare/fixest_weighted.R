# fixest with prior weights on fixest's benchmark shape, as its users run it: fread, then
# feols(FORMULA, weights = ~WEIGHT) with 2 threads; writes the covariates' estimates and standard errors.
# Usage: Rscript fixest_weighted.R CSV "ln_y ~ X1 | dum_1 + dum_2 + dum_3" WEIGHT OUT.csv
suppressMessages({library(fixest); library(data.table)})
a <- commandArgs(TRUE); csv <- a[1]; fml <- as.formula(a[2]); weight <- a[3]; out <- a[4]
setFixest_nthreads(2); setDTthreads(2)
d <- fread(csv)
m <- feols(fml, d, weights = as.formula(paste("~", weight)))
write.csv(data.frame(name = names(coef(m)), estimate = sprintf("%.17g", coef(m)), iid = sprintf("%.17g", se(m, vcov = "iid"))), out, row.names = FALSE, quote = FALSE)
