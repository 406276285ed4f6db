# Reference values for LevelStandardErrorTests.Poisson_*: R's glm (poisson) on the full dummy model
# of an 800,000-row design beyond Keel's dense limits (so the row path fits it), every coefficient's
# estimate and classical standard error. The data are made by integer arithmetic, which the test
# repeats: for i = 0 … 799,999, a = 7919·i mod 50, b = ⌊i/50⌋ mod 20, x = (7·i mod 99991)/99991,
# y = 1 + (31·i mod 11) + (a mod 3) + (b mod 2). Writes glm_levels_reference.csv (names as Keel's).
# Run: Rscript glm_levels_reference.R   (a few minutes)
i <- 0:799999
d <- data.frame(a = (7919 * i) %% 50, b = (i %/% 50) %% 20, x = ((7 * i) %% 99991) / 99991)
d$y <- 1 + (31 * i) %% 11 + d$a %% 3 + d$b %% 2
d$a <- factor(paste0("a", d$a), levels = paste0("a", 0:49)); d$b <- factor(paste0("b", d$b), levels = paste0("b", 0:19))
m <- glm(y ~ x + a + b, family = poisson, data = d, control = glm.control(epsilon = 1e-12, maxit = 50))
s <- summary(m)$coefficients
name <- sub("^([ab])([ab][0-9]+)$", "C(\\1)[\\2]", rownames(s))
write.csv(data.frame(name = name, estimate = sprintf("%.17g", s[, 1]), se = sprintf("%.17g", s[, 2])),
          "glm_levels_reference.csv", row.names = FALSE, quote = FALSE)
