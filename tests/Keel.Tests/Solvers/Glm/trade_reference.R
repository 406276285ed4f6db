# Reference for GlmTradeAgainstRTests: R's glm and sandwich on fixest's `trade` data (Bergé 2018:
# bilateral trade flows between 15 EU countries, 20 product classes, 2007-2016, "extracted from
# Eurostat on October 2017"; Eurostat allows reuse with acknowledgement). trade.csv.gz beside this
# file is write.csv(trade) gzipped. Run from this folder:
#   R_LIBS=... Rscript trade_reference.R     (fixest 0.12.2, sandwich 3.x, R 4.2)
# It writes trade_glm_reference.csv and prints the deviances:
#   deviance 1404940250691.7776 null 5953943111737.6016 iter 7 n 38325
suppressMessages({library(fixest); library(sandwich)})
data(trade)
m <- glm(Euros ~ log(dist_km) + Origin + Destination + factor(Product) + factor(Year), family = poisson, data = trade,
         control = glm.control(epsilon = 1e-13, maxit = 200))
se <- sqrt(diag(vcov(m)))
cl <- sqrt(diag(vcovCL(m, cluster = ~Origin, type = "HC1")))
out <- data.frame(name = names(coef(m)), estimate = sprintf("%.17g", coef(m)), se = sprintf("%.17g", se), se_cluster_origin = sprintf("%.17g", cl))
write.csv(out, "trade_glm_reference.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("deviance %.17g null %.17g iter %d n %d\n", deviance(m), m$null.deviance, m$iter, nrow(trade)))
