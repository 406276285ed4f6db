# Reference values of GlmAgainstRTests.cs: R's glm (stats) and sandwich on glm_data.csv.
# Run from this folder: Rscript glm_reference.R  (writes glm_data.csv, prints the numbers that the
# tests hold; R 4.2.2, sandwich 3.x). Tight control so R's own stopping error is far below 1e-10.
set.seed(20261216)
n <- 400
a <- sample(c("a1", "a2", "a3", "a4"), n, TRUE)
b <- sample(c("b1", "b2", "b3"), n, TRUE)
g <- sample(sprintf("g%02d", 1:12), n, TRUE)
eta <- 0.3 + c(a1 = 0, a2 = 0.5, a3 = -0.4, a4 = 1)[a] + c(b1 = 0, b2 = -0.3, b3 = 0.2)[b]
y <- rpois(n, exp(eta))
z <- rbinom(n, 1, plogis(eta - 1))
trials <- sample(1:5, n, TRUE)
p <- rbinom(n, trials, plogis(eta - 1)) / trials
x <- sample(1:n) / n  # distinct: the cells of y ~ a + x are the rows
d <- data.frame(a = a, b = b, g = g, x = x, y = y, z = z, p = p, trials = trials)
write.csv(d, "glm_data.csv", row.names = FALSE, quote = FALSE)
ctl <- glm.control(epsilon = 1e-15, maxit = 100)
show <- function(label, v) cat(label, ": ", paste(sprintf("%.17g", v), collapse = ", "), "\n", sep = "")
report <- function(label, f) {
  show(paste(label, "coef"), coef(f))
  show(paste(label, "se"), sqrt(diag(vcov(f))))
  show(paste(label, "deviance, null"), c(f$deviance, f$null.deviance))
}
report("poisson y ~ a + b", glm(y ~ a + b, poisson, d, control = ctl))
fp <- glm(y ~ a + b, poisson, d, control = ctl)
show("poisson hc1 se", sqrt(diag(sandwich::vcovHC(fp, type = "HC1"))))
show("poisson cluster(g) se", sqrt(diag(sandwich::vcovCL(fp, cluster = ~g, type = "HC1"))))
# The grouped (cells) deviance: the same model on the cell means with prior weights = rows per cell.
cells <- aggregate(cbind(y, n = 1) ~ a + b, d, sum)
cells$mean <- cells$y / cells$n
show("poisson cells deviance, null", suppressWarnings(with(glm(mean ~ a + b, poisson, cells, weights = n, control = ctl), c(deviance, null.deviance))))
# Rows that do not repeat (continuous x): the cells are the rows, the deviance is the rows'.
report("poisson y ~ a + x", glm(y ~ a + x, poisson, d, control = ctl))
report("binomial z ~ a + b", glm(z ~ a + b, binomial, d, control = ctl))
report("binomial p ~ a + b, weights trials", glm(p ~ a + b, binomial, d, weights = trials, control = ctl))
# Planted separation: a3 all zero (poisson); a4 all one (logit). R on the data without those rows.
s <- d; s$y[s$a == "a3"] <- 0; s$z[s$a == "a4"] <- 1
write.csv(s, "glm_separated.csv", row.names = FALSE, quote = FALSE)
report("separated poisson without a3", glm(y ~ a + b, poisson, s[s$a != "a3", ], control = ctl))
report("separated binomial without a4", glm(z ~ a + b, binomial, s[s$a != "a4", ], control = ctl))
