"""Summary of bench/compare/glm_shape.sh: median wall and peak RSS of keel, fepois and glm, the load
averages they ran under, and the agreement of the rows' deviance."""
import json
import statistics
import sys
from pathlib import Path

from fixest_summary import time_of


def peer_fields(path):
    words = Path(path).read_text().split()
    return dict(zip(words[0::2], words[1::2]))


def main(out, reps):
    out = Path(out)
    reps = [out / f"rep{r}" for r in range(1, reps + 1)]
    print(f"data: {out / 'data.csv'}; {(out / 'glm.decision').read_text().strip()}")
    print("load averages (1, 5, 15 min) before each run:")
    walls = {}
    for name in ("keel", "fepois", "glm"):
        if not (reps[0] / f"{name}.time").exists():
            continue
        runs = [time_of(d / f"{name}.time") for d in reps]
        loads = [(d / f"{name}.load").read_text().strip() for d in reps]
        wall, peak = statistics.median(t for t, _ in runs), statistics.median(p for _, p in runs)
        walls[name] = (wall, peak)
        print(f"  {name:6s} wall {wall:7.2f} s (runs {', '.join(f'{t:.2f}' for t, _ in runs)}), peak {peak:6.0f} MB;"
              f" load {' | '.join(loads)}")
    for peer in ("fepois", "glm"):
        if peer in walls:
            (kw, kp), (pw, pp) = walls["keel"], walls[peer]
            print(f"  keel/{peer}: wall {kw / pw:.3f} ({pw / kw:.1f}x faster), peak {kp / pp:.3f}")
    keel = json.load(open(reps[0] / "keel.json"))
    fit = keel["fit"]
    d = fit["deviance"]
    print(f"keel deviance {d!r} (deviance_of {fit['deviance_of']}), rows {keel['data']['rows']}, cells {keel['data']['cells']}, separated rows {fit['separated_rows']},"
          f" iterations {keel['solver']['iterations']}, solver {keel['solver']['name']}")
    for peer in ("fepois", "glm"):
        path = reps[0] / f"{peer}.txt"
        if path.exists():
            p = peer_fields(path)
            pd = float(p["deviance"])
            extra = ", ".join(f"{k} {v}" for k, v in p.items() if k != "deviance")
            print(f"{peer} deviance {pd!r} ({extra}): relative difference {abs(d - pd) / abs(pd):.1e}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
