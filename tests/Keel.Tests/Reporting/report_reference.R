# Reference values of ReportFiguresTests.cs (the t quantile behind the 95% intervals) and of the
# normal quantile the likelihood fits' intervals use (ReportPlots.NormalQuantile975).
# Run: Rscript tests/Keel.Tests/Reporting/report_reference.R   (R 4.2)
cat(sprintf("%.17g", qt(0.975, c(1, 10, 1e6))), "\n")
cat(sprintf("%.17g", qnorm(0.975)), "\n")
