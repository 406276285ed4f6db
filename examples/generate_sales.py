#!/usr/bin/env python3
"""Generates examples/sales.csv, Keel's bundled example (standard library only, deterministic).

    python3 examples/generate_sales.py > examples/sales.csv

A retail shape that breaks naive one-hot regression: 40 cities nested in 6 regions (so the region
dummies are sums of city dummies: region is aliased once city is in the model), 15 products,
12 months, a numeric discount, and rows drawn from 1,200 combinations with a Zipf skew, so most
combinations repeat, each repeat with its own revenue (pure error).
The truth: log(revenue) = 4 + city effect + product effect + month effect - 0.8*discount + noise.
"""
import math
import random

rng = random.Random(20261128)
ROWS, COMBOS = 20000, 1200
regions = [f"R{i}" for i in range(1, 7)]
cities = [f"C{i:02d}" for i in range(1, 41)]
region_of = {c: regions[i % 6] if i >= 6 else regions[i] for i, c in enumerate(cities)}
products = [f"P{i:02d}" for i in range(1, 16)]
city_eff = {c: rng.gauss(0, 0.4) for c in cities}
prod_eff = {p: rng.gauss(0, 0.6) for p in products}
month_eff = {m: 0.15 * math.sin(2 * math.pi * m / 12) for m in range(1, 13)}

combos = set()
while len(combos) < COMBOS:
    city = cities[min(int(rng.paretovariate(1.1)) - 1, 39)]
    combos.add((city, rng.choice(products), rng.randint(1, 12), rng.choice([0.0, 0.05, 0.1, 0.15, 0.2, 0.3])))
combos = sorted(combos)
rng.shuffle(combos)
weights = [1.0 / (k + 1) for k in range(COMBOS)]

print("region,city,product,month,discount,revenue")
for _ in range(ROWS):
    city, product, month, discount = rng.choices(combos, weights)[0]
    mu = 4.0 + city_eff[city] + prod_eff[product] + month_eff[month] - 0.8 * discount
    revenue = math.exp(mu + rng.gauss(0, 0.25))
    print(f"{region_of[city]},{city},{product},{month},{discount},{revenue:.2f}")
