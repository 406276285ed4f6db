#!/bin/bash
# Poisson on counts over repeated categorical combinations (issue 16's yardstick): Keel from the CSV
# against fixest (fread + fepois + fixef, 2 threads) and R's glm where its dense model matrix fits.
# The data: bench/compare/gen_counts.py (shared/peers/gen_onehot.py's factors and Zipf-weighted
# repeated combinations, a Poisson count with lognormal overdispersion). Each run is a whole process
# under /usr/bin/time -v, interleaved (keel, fepois, glm, keel, ...), with the load average recorded
# before each run; prints median wall, peak RSS, the ratios and the deviance agreement.
#
#   bench/compare/glm_shape.sh [--rows N] [--card 2000,300,50,12] [--distinct M] [--seed S]
#                              [--reps R] [--glm auto|yes|no] [--out DIR]
#
# --glm auto runs R's glm only when its model matrix is small enough to be a fair run: 3 copies of
# rows x columns doubles within GLM_MAX_GB (default 6) and rows x columns^2 (one QR) within
# GLM_MAX_FLOP (default 2e11). The default shape (3M rows, 2,359 columns) is far beyond both (a
# 57 GB model matrix); `--rows 300000 --card 200,30,10,5 --distinct 5000` is a shape where it runs.
#
# Needs (on the benchmark machine, never in CI): /usr/bin/python3 with numpy, Rscript with fixest and
# data.table (R_LIBS pointing at a library built by shared/peers/install_fixest.sh), the .NET SDK.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export PEERS=${PEERS:-$ROOT/../shared/peers}
ROWS=3000000; CARD=2000,300,50,12; DISTINCT=20000; SEED=3; REPS=3; GLM=auto; OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --rows) ROWS=$2; shift 2 ;;
    --card) CARD=$2; shift 2 ;;
    --distinct) DISTINCT=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --glm) GLM=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-/tmp/keel-glm/r${ROWS}-c${CARD//,/x}-d${DISTINCT}-s${SEED}}
mkdir -p "$OUT"
CSV="$OUT/data.csv"
if [ ! -s "$CSV" ]; then
  echo "# generating $CSV" >&2
  /usr/bin/python3 "$ROOT/bench/compare/gen_counts.py" --rows "$ROWS" --card "$CARD" --distinct "$DISTINCT" \
    --intercept 1.0 --seed "$SEED" --out "$CSV" 2>"$OUT/gen.log"
fi
echo "# building keel (Release)" >&2
# The shipped form: published for this platform, self-contained, Keel and the framework precompiled as
# one composite image (ReadyToRun; src/Keel.Cli/Keel.Cli.csproj), run through its own launcher.
dotnet publish -c Release -r "$(dotnet --info | awk '/RID:/{print $2; exit}')" --self-contained true "$ROOT/src/Keel.Cli" -o "$OUT/keel-bin" >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }

K=$(head -1 "$CSV" | tr ',' '\n' | grep -c '^c')
FORMULA="y ~ $(seq 0 $((K - 1)) | sed 's/^/C(c/; s/$/)/' | paste -sd+ | sed 's/+/ + /g')"
# R's model matrix: the intercept and every level but each factor's first (the generator's cardinalities bound it).
COLUMNS=$(( $(echo "$CARD" | tr ',' '+') - K + 1 ))
if [ "$GLM" = auto ]; then
  GLM=$(awk -v n="$ROWS" -v p="$COLUMNS" -v gb="${GLM_MAX_GB:-6}" -v flop="${GLM_MAX_FLOP:-2e11}" \
    'BEGIN { print (3 * n * p * 8 <= gb * 1e9 && n * p * p <= flop) ? "yes" : "no" }')
fi
echo "glm $GLM: $ROWS rows x $COLUMNS columns, $(awk -v n="$ROWS" -v p="$COLUMNS" 'BEGIN { printf "%.1f", n * p * 8 / 1e9 }') GB model matrix" >"$OUT/glm.decision"

run() { # run NAME DIR COMMAND...: the load average before, then the command under /usr/bin/time -v
  local name=$1 dir=$2; shift 2
  echo "# $(basename "$dir"): $name" >&2
  cut -d' ' -f1-3 /proc/loadavg >"$dir/$name.load"
  /usr/bin/time -v "$@" 2>"$dir/$name.time"
}
for rep in $(seq 1 "$REPS"); do
  D="$OUT/rep$rep"; mkdir -p "$D"
  run keel "$D" "$OUT/keel-bin/keel" fit "$CSV" --formula "$FORMULA" --family poisson --threads 2 --quiet --out "$D/keel.json"
  run fepois "$D" Rscript "$ROOT/bench/compare/fepois_counts.R" "$CSV" "$D/fepois.txt"
  [ "$GLM" = yes ] && run glm "$D" Rscript "$ROOT/bench/compare/glm_counts.R" "$CSV" "$D/glm.txt"
done
/usr/bin/python3 "$ROOT/bench/compare/glm_shape_summary.py" "$OUT" "$REPS"
