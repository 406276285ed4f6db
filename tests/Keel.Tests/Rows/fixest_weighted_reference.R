# Reference values for WeightedRowPathTests.cs: fixest (Bergé 2018) and R's weighted lm + sandwich
# on fe5k.csv with prior weights w_i = 0.5 + ((i - 1) mod 37) / 12 (i the data row, from 1), which the
# test computes the same way (the same IEEE operations, written with round-trip digits).
# Run: R_LIBS=<fixest library> Rscript fixest_weighted_reference.R   (fixest 0.12.2, sandwich 3.x)
suppressMessages({library(fixest); library(data.table); library(sandwich)})
d <- fread("fe5k.csv")
d$w <- 0.5 + ((seq_len(nrow(d)) - 1) %% 37) / 12
m <- feols(ln_y ~ X1 + X2 | dum_1 + dum_2 + dum_3, d, weights = ~w, fixef.tol = 3e-12, fixef.iter = 100000)
options(digits = 17)
show <- function(label, v) cat(label, paste(format(v, digits = 17), collapse = " "), "\n")
show("coef", coef(m))
show("iid", se(m, vcov = "iid"))
show("hetero", se(m, vcov = "hetero"))
show("cluster_dum_2_nested", se(m, cluster = ~dum_2))
show("twoway_dum_2_dum_3", se(m, cluster = ~dum_2 + dum_3))
# R's weighted lm with every level, and sandwich's conventions on it: classical, HC1, CR1.
l <- lm(ln_y ~ X1 + X2 + factor(dum_1) + factor(dum_2) + factor(dum_3), d, weights = w)
show("lm_coef", coef(l)[c("X1", "X2")])
show("lm_classical", summary(l)$coefficients[c("X1", "X2"), "Std. Error"])
show("lm_hc1", sqrt(diag(vcovHC(l, type = "HC1")))[c("X1", "X2")])
show("lm_cl_dum_2", sqrt(diag(vcovCL(l, cluster = ~dum_2, type = "HC1")))[c("X1", "X2")])
show("lm_sigma_r2_rss", c(summary(l)$sigma, summary(l)$r.squared, deviance(l)))
# Every level's effect: the lm coefficients of dum_2 and dum_3 (treatment coding, first level the reference).
show("lm_dum_3", coef(l)[grep("^factor\\(dum_3\\)", names(coef(l)))])
