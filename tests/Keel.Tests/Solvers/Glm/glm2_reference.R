# Reference values of GlmOffsetAgainstRTests.cs and GlmSeparationCertificateTests.cs: R's glm (stats),
# sandwich and fixest's fepois. Run from this folder: R_LIBS=/work/Rlib Rscript glm2_reference.R
# (writes glm_offset.csv and glm_separation2.csv, prints the numbers the tests hold; R 4.2.2).
set.seed(20261217)
n <- 500
a <- sample(c("a1", "a2", "a3", "a4"), n, TRUE)
b <- sample(c("b1", "b2", "b3"), n, TRUE)
g <- sample(sprintf("g%02d", 1:15), n, TRUE)
exposure <- round(runif(n, 0.2, 5), 3)          # policy-years: differ within every cell
w <- sample(1:3, n, TRUE)
x <- sample(1:n) / n                            # distinct: the cells of y ~ a + x are the rows
eta <- -0.5 + c(a1 = 0, a2 = 0.4, a3 = -0.3, a4 = 0.8)[a] + c(b1 = 0, b2 = -0.2, b3 = 0.3)[b]
y <- rpois(n, exposure * exp(eta))
d <- data.frame(a = a, b = b, g = g, x = x, exposure = exposure, logexposure = log(exposure), w = w, y = y)
write.csv(d, "glm_offset.csv", row.names = FALSE, quote = FALSE)
ctl <- glm.control(epsilon = 1e-15, maxit = 100)
show <- function(label, v) cat(label, ": ", paste(sprintf("%.17g", v), collapse = ", "), "\n", sep = "")
report <- function(label, f) {
  show(paste(label, "coef"), coef(f))
  show(paste(label, "se"), sqrt(diag(vcov(f))))
  show(paste(label, "deviance, null"), c(f$deviance, f$null.deviance))
}
f1 <- glm(y ~ a + b, poisson, d, offset = log(exposure), control = ctl)
report("offset y ~ a + b", f1)
show("offset cluster(g) se", sqrt(diag(sandwich::vcovCL(f1, cluster = ~g, type = "HC1"))))
# Grouped data: the cell totals with log of the cell's total exposure as offset.
cells <- aggregate(cbind(y, exposure) ~ a + b, d, sum)
report("offset cells y ~ a + b", glm(y ~ a + b + offset(log(exposure)), poisson, cells, control = ctl))
f2 <- glm(y ~ a + x + offset(log(exposure)), poisson, d, control = ctl)
report("offset y ~ a + x", f2)
show("offset y ~ a + x hc1 se", sqrt(diag(sandwich::vcovHC(f2, type = "HC1"))))
report("offset weighted y ~ a + b", glm(y ~ a + b, poisson, d, weights = w, offset = log(exposure), control = ctl))
report("offset only y ~ 1", glm(y ~ offset(log(exposure)), poisson, d, control = ctl))
# Response scale predictions with the delta-method standard error (keel predict).
nd <- data.frame(a = c("a1", "a2", "a4"), b = c("b3", "b1", "b2"), exposure = c(1, 2.5, 0.5))
p <- predict(f1, nd, type = "response", se.fit = TRUE)
show("predict offset fit", p$fit); show("predict offset se", p$se.fit)

# Separation spread across two factors (Correia, Guimarães & Zylkin 2019): b1 occurs only with a1
# and a2, and every row of a1 or a2 outside b1 is zero. No single level is all zero, but
# z = [a in a1,a2] − [b = b1] is ≥ 0 everywhere, 0 where y > 0 and 1 on the rows of a1/a2 outside b1.
s <- d
s$a[s$b == "b1"] <- ifelse(runif(sum(s$b == "b1")) < 0.5, "a1", "a2")
s$y[s$a %in% c("a1", "a2") & s$b != "b1"] <- 0
write.csv(s[, c("a", "b", "g", "x", "y")], "glm_separation2.csv", row.names = FALSE, quote = FALSE)
sep <- s$a %in% c("a1", "a2") & s$b != "b1"
cat("separated rows:", sum(sep), "\n")
# Without them a3 + a4 = b2 + b3 (the two blocks are disconnected): b3 is aliased. epsilon 1e-12, so
# that glm.fit's QR tolerance (epsilon/1000) still sees the exact collinearity (at 1e-15 it does not).
report("certificate y ~ a + b + x without separated", glm(y ~ a + b + x, poisson, s[!sep, ], control = glm.control(epsilon = 1e-12, maxit = 100)))
# fixest 0.12.2's fepois on all rows does not detect this separation (its check covers fixed
# effects only): it stops at its iteration limit with a, b estimates near ±27.
library(fixest)
fe <- fepois(y ~ a + b + x, s, glm.tol = 1e-12)
cat("fepois nobs", nobs(fe), "\n"); show("fepois coef", coef(fe))

# Response-scale prediction of a logit (keel predict on a binomial result), on glm_data.csv.
dz <- read.csv("glm_data.csv")
fz <- glm(z ~ a + b, binomial, dz, control = ctl)
pz <- predict(fz, data.frame(a = c("a1", "a3", "a4"), b = c("b2", "b1", "b3")), type = "response", se.fit = TRUE)
show("predict binomial fit", pz$fit); show("predict binomial se", pz$se.fit)
