# Reference for GlmSeparationCertificateTests (logit): quasi-complete separation across two factors.
# b1 occurs only with a1 and a2, and every row of a1 or a2 outside b1 has z = 0; no single level is
# all 0 or all 1. R's glm on the data without those rows gives the expected estimates.
# Run from this folder: Rscript glm_binomial_separation.R (writes glm_binomial_separation.csv).
set.seed(20261205)
n <- 600
a <- sample(c("a1", "a2", "a3", "a4"), n, TRUE)
b <- ifelse(a %in% c("a1", "a2"), sample(c("b1", "b2", "b3"), n, TRUE, prob = c(0.5, 0.25, 0.25)), sample(c("b2", "b3"), n, TRUE))
x <- round(runif(n), 3)
eta <- -0.2 + c(a1 = 0.3, a2 = -0.2, a3 = 0.5, a4 = -0.4)[a] + c(b1 = 0, b2 = 0.4, b3 = -0.3)[b] + 0.8 * x
z <- rbinom(n, 1, plogis(eta))
z[a %in% c("a1", "a2") & b != "b1"] <- 0
d <- data.frame(a = a, b = b, x = x, z = z)
write.csv(d, "glm_binomial_separation.csv", row.names = FALSE, quote = FALSE)
kept <- d[!(d$a %in% c("a1", "a2") & d$b != "b1"), ]
f <- glm(z ~ a + b + x, binomial, kept, control = glm.control(epsilon = 1e-15, maxit = 100))
show <- function(label, v) cat(label, ": ", paste(sprintf("%.17g", v), collapse = ", "), "\n", sep = "")
cat("separated rows:", sum(d$a %in% c("a1", "a2") & d$b != "b1"), "\n")
show("coef", coef(f))
show("se", sqrt(diag(vcov(f))))
show("deviance, null", c(f$deviance, f$null.deviance))
# Without those rows the blocks {a1, a2} x b1 and {a3, a4} x {b2, b3} are disconnected, so one column
# of a + b is aliased; glm's QR does not see it under the IRLS weights and diverges. Keel keeps the
# earliest columns and reports bb3 aliased: the same model is glm on the model matrix without bb3.
X <- model.matrix(~ a + b + x, kept)
X <- X[, colnames(X) != "bb3"]
g <- glm(kept$z ~ X - 1, binomial, control = glm.control(epsilon = 1e-15, maxit = 100))
show("coef without bb3", coef(g))
show("se without bb3", sqrt(diag(vcov(g))))
show("deviance, null without bb3", c(g$deviance, g$null.deviance))
