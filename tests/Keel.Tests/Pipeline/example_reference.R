# Reference values of ExampleAgainstRTests.cs: R's lm and anova on examples/sales.csv.
# Run from the repository root: Rscript tests/Keel.Tests/Pipeline/example_reference.R
# (R 4.2, Debian r-base-core; prints the numbers the test holds).
d <- read.csv("examples/sales.csv")
m <- lm(log(revenue) ~ region + city + product + factor(month) + discount, data = d)
s <- summary(m)
saturated <- lm(log(revenue) ~ interaction(city, product, month, discount, drop = TRUE), data = d)
a <- anova(m, saturated)
show <- function(label, v) cat(label, ": ", paste(sprintf("%.17g", v), collapse = ", "), "\n", sep = "")
show("sigma", s$sigma)
show("r.squared", s$r.squared)
show("adj.r.squared", s$adj.r.squared)
show("F, df1, df2", s$fstatistic)
show("lack-of-fit F, df1, df2", c(a$F[2], a$Df[2], a$Res.Df[2]))
show("discount estimate, se", coef(s)["discount", 1:2])
