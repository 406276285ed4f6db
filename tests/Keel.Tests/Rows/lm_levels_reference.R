# Reference values for LevelStandardErrorTests.cs: R's lm on the full dummy model of fe5k.csv,
# every coefficient's classical standard error, unweighted and with the prior weights
# w_i = 0.5 + ((i - 1) mod 37) / 12 of fixest_weighted_reference.R. Writes lm_levels_reference.csv
# (name as Keel writes it, standard error, weighted standard error).
# Run: Rscript lm_levels_reference.R
d <- read.csv("fe5k.csv")
d$w <- 0.5 + ((seq_len(nrow(d)) - 1) %% 37) / 12
f <- ln_y ~ X1 + X2 + factor(dum_1) + factor(dum_2) + factor(dum_3)
se <- function(m) summary(m)$coefficients[, "Std. Error"]
plain <- se(lm(f, d)); weighted <- se(lm(f, d, weights = w))
name <- sub("^factor\\((dum_[0-9])\\)(.*)$", "C(\\1)[\\2]", names(plain))
write.csv(data.frame(name = name, se = sprintf("%.17g", plain), se_weighted = sprintf("%.17g", weighted[names(plain)])),
          "lm_levels_reference.csv", row.names = FALSE, quote = FALSE)
