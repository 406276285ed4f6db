#!/usr/bin/python3
"""Summarise bench/compare/run.sh output: median wall time and peak RSS per method over the
repetitions, Keel's stage timings, and the RMSE of every fit relative to Keel's.

  summarize.py OUT REPS HAVE_DUCKDB
"""
import json
import os
import re
import statistics
import sys


def time_info(path):
    if not os.path.exists(path):
        return None, None, None, None, None
    s = open(path).read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", s)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", s)
    status = re.search(r"Exit status: (\d+)", s)
    w = None
    if wall:
        parts = [float(x) for x in wall.group(1).split(":")]
        w = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    cpu = sum(float(m.group(1)) for m in re.finditer(r"(?:User|System) time \(seconds\): ([\d.]+)", s))
    stages = dict((m.group(1), float(m.group(2))) for m in re.finditer(r"keel timing: (\w+) ([\d.]+) s", s))
    return (int(rss.group(1)) / 1024 if rss else None), w, (int(status.group(1)) if status else None), stages, cpu


def main():
    out, reps, have_duckdb = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    names = set()
    for rep in range(1, reps + 1):
        d = os.path.join(out, f"rep{rep}")
        names |= {f.split(".")[0] for f in os.listdir(d) if f.endswith(".time")}
    rows = {}
    keel_rmse = None
    keel_estimates, agreement = {}, {}
    for n in sorted(names, key=lambda x: (x != "keel", x)):
        walls, rsss, rmses, iters, stages_all, bad, cpus = [], [], [], [], [], 0, []
        for rep in range(1, reps + 1):
            d = os.path.join(out, f"rep{rep}")
            info = time_info(os.path.join(d, n + ".time"))
            if info[0] is None:
                continue
            rss, wall, status, stages, cpu = info
            if status not in (0, None):
                bad += 1
                continue
            walls.append(wall)
            cpus.append(cpu)
            rsss.append(rss)
            stages_all.append(stages)
            if n == "keel":
                r = json.load(open(os.path.join(d, "keel.out.json")))
                rmses.append((r["fit"]["rss"] / r["data"]["rows"]) ** 0.5)
                if not keel_estimates:
                    keel_estimates.update({c["name"]: c["estimate"] for c in r["coefficients"] if c["estimate"] is not None})
                iters.append(r["solver"].get("iterations"))
            elif n == "fixest":
                # Agreement level by level: fixef's effect minus its factor's first level against
                # Keel's treatment-coded estimate of that level (the first level is Keel's reference).
                fx = os.path.join(d, "fixest.csv")
                if os.path.exists(fx) and keel_estimates:
                    worst = 0.0
                    with open(fx) as f:
                        next(f)
                        for line in f:
                            factor, level, diff = line.strip().split(",")
                            k = keel_estimates.get(f"C({factor})[{level}]")
                            if k is not None:
                                worst = max(worst, abs(float(diff) - k))
                    agreement[n] = f"max abs level diff {worst:.1e}"
            elif n not in ("duckdb", "duckdb_groupby", "keel_rowpass"):
                js = os.path.join(d, n + ".json")
                if os.path.exists(js):
                    r = json.load(open(js))
                    rmses.append(r.get("rmse_train"))
                    iters.append(r.get("iterations"))
        if n == "keel" and rmses:
            keel_rmse = rmses[0]
        rows[n] = (walls, rsss, rmses, iters, stages_all, bad, cpus)

    print(f"| method | median wall s (runs) | median CPU s (user+sys) | median peak RSS MB | RMSE (train) | rel. diff vs keel | iterations |")
    print("|---|---|---|---|---|---|---|")
    for n, (walls, rsss, rmses, iters, stages_all, bad, cpus) in rows.items():
        if not walls:
            print(f"| {n} | failed ({bad} runs) | - | - | - | - | - |")
            continue
        rm = rmses[0] if rmses and rmses[0] is not None else None
        rel = agreement.get(n, "-" if rm is None or keel_rmse is None or n == "keel" else f"{abs(rm - keel_rmse) / keel_rmse:.1e}")
        it = iters[0] if iters else "-"
        print(f"| {n} | {statistics.median(walls):.2f} ({', '.join(f'{w:.1f}' for w in walls)}) | {statistics.median(cpus):.2f} | {statistics.median(rsss):.0f} | "
              f"{'-' if rm is None else f'{rm:.9f}'} | {rel} | {it if it is not None else '-'} |")
    if "keel" in rows and rows["keel"][4]:
        keys = rows["keel"][4][0].keys()
        print()
        print("Keel stages (median s): " + ", ".join(f"{k} {statistics.median(s[k] for s in rows['keel'][4] if k in s):.2f}" for k in keys))
    if "duckdb_groupby" in rows and "keel_rowpass" in rows and rows["duckdb_groupby"][0] and rows["keel_rowpass"][0]:
        d, k = statistics.median(rows["duckdb_groupby"][0]), statistics.median(rows["keel_rowpass"][0])
        print()
        print(f"Row pass alone: Keel {k:.2f} s vs DuckDB GROUP BY {d:.2f} s (median wall, whole process): ratio {k / d:.2f}.")
    elif not have_duckdb:
        print()
        print("DuckDB: the GROUP BY yardstick was skipped.")


if __name__ == "__main__":
    main()
