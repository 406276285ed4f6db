# Reference values of SummaryAndCellsTests.cs: R's lm, anova against the cell-means model and
# predict(se.fit = TRUE) on the test's 14 rows (written here as in the test).
# Run: Rscript tests/Keel.Tests/Results/summary_cells_reference.R   (R 4.2)
d <- read.csv(text = "a,x,y
A,1,2.1
A,2,3.9
A,3,6.2
B,1,3.0
B,2,5.1
B,4,9.2
C,2,4.4
C,3,7.1
C,5,10.3
A,2,4.2
B,1,3.3
C,5,10.9
A,1,1.7
C,3,6.6")
m <- lm(y ~ a + x, d)
s <- summary(m)
f <- s$fstatistic
lack <- anova(m, lm(y ~ interaction(a, x), d))
show <- function(label, v) cat(label, ": ", paste(sprintf("%.17g", v), collapse = ", "), "\n", sep = "")
show("F, df1, df2", f)
show("p of F", pf(f[1], f[2], f[3], lower.tail = FALSE))
show("adjusted R2", s$adj.r.squared)
show("lack-of-fit F, df1, df2, p", c(lack$F[2], lack$Df[2], lack$Res.Df[2], lack$`Pr(>F)`[2]))
show("se of the fitted mean at (A,2), (B,4), (C,5)", predict(m, data.frame(a = c("A", "B", "C"), x = c(2, 4, 5)), se.fit = TRUE)$se.fit)
