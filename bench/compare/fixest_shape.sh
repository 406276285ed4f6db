#!/bin/bash
# Keel's row path against fixest on fixest's benchmark shape (shared/peers/gen_fe_bench.py: factors
# of n/20, sqrt(n) and n^0.33 levels drawn uniformly, continuous X1..XK, every row distinct), each
# run as a whole process from the CSV under /usr/bin/time -v, interleaved (keel, fixest, keel, ...),
# 2 threads each; then one tightly converged fixest run as the reference for agreement.
#
#   bench/compare/fixest_shape.sh [--rows N] [--covariates K] [--seed S] [--reps R] [--out DIR]
#
# Needs (on the benchmark machine, never in CI): /usr/bin/python3 with numpy and pandas, Rscript with
# fixest and data.table (R_LIBS pointing at a library built by shared/peers/install_fixest.sh), and
# the .NET SDK. Prints median wall, peak RSS, the ratio, and the agreement of estimates, standard
# errors and every level's effect.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
ROWS=10000000; K=1; SEED=1; REPS=3; OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --rows) ROWS=$2; shift 2 ;;
    --covariates) K=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-/tmp/keel-fixest/r${ROWS}-k${K}-s${SEED}}
mkdir -p "$OUT"
CSV="$OUT/data.csv"
if [ ! -s "$CSV" ]; then
  echo "# generating $CSV" >&2
  /usr/bin/python3 "$PEERS/gen_fe_bench.py" --rows "$ROWS" --covariates "$K" --seed "$SEED" --out "$CSV" >"$OUT/gen.json"
fi
echo "# building keel (Release)" >&2
# The shipped form: published for this platform, self-contained, Keel and the framework precompiled as
# one composite image (ReadyToRun; src/Keel.Cli/Keel.Cli.csproj), run through its own launcher.
dotnet publish -c Release -r "$(dotnet --info | awk '/RID:/{print $2; exit}')" --self-contained true "$ROOT/src/Keel.Cli" -o "$OUT/keel-bin" >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
COVS=$(seq 1 "$K" | sed 's/^/X/' | paste -sd+ | sed 's/+/ + /g')
FORMULA="ln_y ~ $COVS | dum_1 + dum_2 + dum_3"
for rep in $(seq 1 "$REPS"); do
  D="$OUT/rep$rep"; mkdir -p "$D"
  echo "# rep $rep: keel" >&2
  KEEL_TIMING=1 /usr/bin/time -v "$OUT/keel-bin/keel" fit "$CSV" --formula "$FORMULA" --threads 2 --quiet --out "$D/keel.json" 2>"$D/keel.time"
  echo "# rep $rep: fixest" >&2
  /usr/bin/time -v Rscript "$ROOT/bench/compare/fixest_fit.R" bench "$CSV" "$FORMULA" "$D/fixest" >"$D/fixest.log" 2>"$D/fixest.time"
done
echo "# reference: fixest, fixef.tol 3e-12" >&2
Rscript "$ROOT/bench/compare/fixest_fit.R" reference "$CSV" "$FORMULA" "$OUT/reference" >"$OUT/reference.log" 2>&1
echo "# keel with robust standard errors" >&2
for se in "--se hc1" "--cluster dum_1" "--cluster dum_1 --ssc fixest"; do
  "$OUT/keel-bin/keel" fit "$CSV" --formula "$FORMULA" --quiet $se --out "$OUT/keel.${se//[ -]/_}.json"
done
/usr/bin/python3 "$ROOT/bench/compare/fixest_summary.py" "$OUT" "$REPS"
