# Reference for LargeAliasedDesignTests: standard errors of fitted combination means on a design
# beyond the dense limit (40,000 / 3,000 / 400 levels, the last a function of the second), by an
# independent method: R's Matrix package (CHOLMOD sparse Cholesky of X'X, AMD ordering) on the
# design with the aliased factor left out (aliased by construction: f3 = 7·f2 mod 400).
# The data are regenerated here by the same integer formulas as the test (exact in doubles).
# Run: Rscript large_aliased_reference.R > large_aliased_reference.csv
library(Matrix)
i <- as.numeric(0:299999)
f1 <- ((i * 2654435761) %% 4294967291) %% 40000
f2 <- ((i * 2246822519) %% 4294967291) %% 3000
f3 <- (f2 * 7) %% 400
y <- ((i * 3266489917) %% 1000003) / 1000
x <- sparse.model.matrix(~ factor(f1) + factor(f2))
g <- crossprod(x)
ch <- Cholesky(g, LDL = FALSE, perm = TRUE)
beta <- solve(ch, crossprod(x, y))
res <- y - as.vector(x %*% beta)
sigma <- sqrt(sum(res^2) / (length(y) - ncol(x)))
# The combinations of the first 200 rows (distinct ones, in row order).
first <- which(!duplicated(paste(f1, f2))[1:200])
xs <- x[first, , drop = FALSE]
z <- solve(ch, t(xs))
h <- colSums(as.matrix(t(xs) * z))
cat(sprintf("# sigma=%.17g rank=%d\n", sigma, ncol(x)))
cat("f1,f2,f3,std_error\n")
cat(sprintf("a%d,b%d,c%d,%.17g\n", f1[first], f2[first], f3[first], sigma * sqrt(h)), sep = "")
