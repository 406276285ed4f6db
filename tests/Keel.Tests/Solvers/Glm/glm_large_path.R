# Reference for GlmLargePathTests: fixest's fepois on the rows the test generates.
#   KEEL_DUMP=/tmp/glp.csv dotnet test --filter GlmLargePath    (writes the CSV)
#   R_LIBS=... Rscript glm_large_path.R /tmp/glp.csv
# fixest 0.12.2 printed: 0.761413551197733 dev 10460.0977251604, and
# "118/0 fixed-effects (238 observations) removed because of only 0 outcomes".
suppressMessages({library(fixest); library(data.table)})
d <- fread(commandArgs(TRUE)[1])
m <- fepois(y ~ x | a + b, d, glm.tol = 1e-10, fixef.tol = 3e-12)
cat(sprintf("%.15g dev %.15g\n", coef(m), deviance(m)))
