"""Summary of bench/compare/fixest_shape.sh: medians, ratio, agreement with the fixest reference."""
import csv
import json
import re
import statistics
import sys
from pathlib import Path


def time_of(path):
    text = Path(path).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    h, m, s = wall.groups()
    seconds = (int(h) * 3600 if h else 0) + int(m) * 60 + float(s)
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return seconds, peak


def main(out, reps):
    out = Path(out)
    keel = [time_of(out / f"rep{r}" / "keel.time") for r in range(1, reps + 1)]
    fixest = [time_of(out / f"rep{r}" / "fixest.time") for r in range(1, reps + 1)]
    kw, kp = statistics.median(t for t, _ in keel), statistics.median(p for _, p in keel)
    fw, fp = statistics.median(t for t, _ in fixest), statistics.median(p for _, p in fixest)
    print(f"keel   wall {kw:.2f} s (runs {', '.join(f'{t:.2f}' for t, _ in keel)}), peak {kp:.0f} MB")
    print(f"fixest wall {fw:.2f} s (runs {', '.join(f'{t:.2f}' for t, _ in fixest)}), peak {fp:.0f} MB")
    print(f"keel/fixest wall {kw / fw:.2f}, peak {kp / fp:.2f}")
    ref = {r["name"]: r for r in csv.DictReader(open(out / "reference.coef.csv"))}
    plain = json.load(open(out / "rep1" / "keel.json"))
    coef = {c["name"]: c for c in plain["coefficients"]}
    bench = {r["name"]: float(r["estimate"]) for r in csv.DictReader(open(out / "rep1" / "fixest.coef.csv"))}
    runs = {"iid": plain, "hetero": json.load(open(out / "keel.__se_hc1.json")),
            "cluster_full": json.load(open(out / "keel.__cluster_dum_1.json")),
            "cluster_fixest": json.load(open(out / "keel.__cluster_dum_1___ssc_fixest.json"))}
    for name, r in ref.items():
        e = float(r["estimate"])
        print(f"{name}: keel {coef[name]['estimate']!r}, fixest reference {e!r} (rel {abs(coef[name]['estimate'] - e) / abs(e):.1e}); "
              f"fixest default tolerance {bench[name]!r} (rel {abs(bench[name] - e) / abs(e):.1e})")
        for kind, run in runs.items():
            se = next(c["std_error"] for c in run["coefficients"] if c["name"] == name)
            s = float(r[kind])
            print(f"  std. error {kind}: keel {se!r}, fixest {s!r} (rel {abs(se - s) / s:.1e})")
    worst, count = 0.0, 0
    for r in csv.DictReader(open(out / "reference.fixef.csv")):
        name = f"C({r['factor']})[{r['level']}]"
        c = coef.get(name)
        if c is None or c["estimate"] is None:
            continue
        worst = max(worst, abs(c["estimate"] - float(r["difference"])))
        count += 1
    print(f"level effects (minus each factor's first level): {count} compared, max abs difference {worst:.1e}")
    print("keel solver:", plain["solver"]["reason"])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
