#!/bin/bash
# End-to-end comparison of Keel with its peers on one generated CSV, each run in its own process
# under /usr/bin/time -v, interleaved (keel, peer1, peer2, ..., keel, peer1, ...) so that load
# drifts hit every method alike; prints median wall time, median peak RSS and fit agreement.
#
#   bench/compare/run.sh [--rows N] [--card 5000,500,50,12] [--distinct M] [--reps R]
#                        [--peers "spsolve_ne agg_lsmr R_cholmod fixest"] [--threads T] [--out DIR]
#
# `fixest` (bench/compare/fixest_factors.R: fread, feols(y ~ 1 | c0 + ...), fixef; needs fixest in
# R_LIBS, ../shared/peers/install_fixest.sh) is compared level by level: the largest difference of
# a level's effect (minus its factor's first level) from Keel's estimate of it.
# Needs (on the benchmark machine, never in CI): /usr/bin/python3 with numpy/scipy/sklearn/pandas,
# Rscript with Matrix/glmnet/data.table, the peer scripts in ../shared/peers beside the checkout (PEERS=...), and
# the .NET SDK. The row-pass yardstick runs in every rep through bench/Keel.Bench (DuckDB.NET's
# embedded engine, no `duckdb` command needed): `duckdb_groupby` = SELECT c0..,count(*),sum(y),
# sum(y*y) FROM read_csv(FILE) GROUP BY ALL with DuckDB's own threads (--threads T, default 2), next
# to `keel_rowpass` = Keel's row pass alone (parse, cells, canonical order) with the same threads.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
ROWS=2000000; CARD=5000,500,50,12; DISTINCT=0; REPS=3; THREADS=""; OUT=""
METHODS="spsolve_ne agg_lsmr skl_linreg lsmr R_cholmod R_glmnet"
while [ $# -gt 0 ]; do
  case $1 in
    --rows) ROWS=$2; shift 2 ;;
    --card) CARD=$2; shift 2 ;;
    --distinct) DISTINCT=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --peers) METHODS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-/tmp/keel-compare/r${ROWS}-c${CARD//,/x}-d${DISTINCT}}
mkdir -p "$OUT"
CAP=${CAP:-600}

echo "# building keel (Release)" >&2
# The shipped form: published for this platform, self-contained, Keel and the framework precompiled as
# one composite image (ReadyToRun; src/Keel.Cli/Keel.Cli.csproj), run through its own launcher.
dotnet publish -c Release -r "$(dotnet --info | awk '/RID:/{print $2; exit}')" --self-contained true "$ROOT/src/Keel.Cli" -o "$OUT/keel-bin" >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
dotnet build -c Release "$ROOT/bench/Keel.Bench" -o "$OUT/bench-bin" >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }

CSV="$OUT/data.csv"
if [ ! -s "$CSV" ]; then
  echo "# generating $CSV" >&2
  /usr/bin/python3 "$PEERS/gen_onehot.py" --rows "$ROWS" --card "$CARD" --distinct "$DISTINCT" --log --seed 2 --out "$CSV" >"$OUT/gen.json"
fi
K=$(head -1 "$CSV" | tr ',' '\n' | grep -c '^c')
FORMULA="y ~ $(seq 0 $((K - 1)) | sed 's/^/C(c/; s/$/)/' | paste -sd+ | sed 's/+/ + /g')"
FACTORS=$(seq 0 $((K - 1)) | sed 's/^/c/' | paste -sd+ | sed 's/+/ + /g')
KEEL_ARGS=(fit "$CSV" --formula "$FORMULA" --quiet)
[ -n "$THREADS" ] && KEEL_ARGS+=(--threads "$THREADS")

HAVE_DUCKDB=1
PASS_THREADS=${THREADS:-2}
for rep in $(seq 1 "$REPS"); do
  D="$OUT/rep$rep"; mkdir -p "$D"
  echo "# rep $rep: keel" >&2
  KEEL_TIMING=1 /usr/bin/time -v timeout "$CAP" "$OUT/keel-bin/keel" "${KEEL_ARGS[@]}" >"$D/keel.out.json" 2>"$D/keel.time" || true
  echo "# rep $rep: row pass alone, DuckDB GROUP BY and Keel" >&2
  /usr/bin/time -v timeout "$CAP" dotnet "$OUT/bench-bin/Keel.Bench.dll" duckdb-groupby "$CSV" --threads "$PASS_THREADS" >"$D/duckdb_groupby.log" 2>"$D/duckdb_groupby.time" || true
  /usr/bin/time -v timeout "$CAP" dotnet "$OUT/bench-bin/Keel.Bench.dll" rowpass "$CSV" --threads "$PASS_THREADS" >"$D/keel_rowpass.log" 2>"$D/keel_rowpass.time" || true
  for m in $METHODS; do
    echo "# rep $rep: $m" >&2
    case $m in
      fixest) /usr/bin/time -v timeout "$CAP" Rscript "$ROOT/bench/compare/fixest_factors.R" "$CSV" "$FACTORS" "$D/fixest.csv" >"$D/$m.log" 2>"$D/$m.time" || true ;;
      R_*) /usr/bin/time -v timeout "$CAP" Rscript "$PEERS/r_fit.R" "${m#R_}" "$CSV" "$D/$m" >"$D/$m.log" 2>"$D/$m.time" || true ;;
      *) /usr/bin/time -v timeout "$CAP" /usr/bin/python3 "$PEERS/peer_fit.py" --csv "$CSV" --method "$m" --out "$D/$m" >"$D/$m.log" 2>"$D/$m.time" || true ;;
    esac
  done
done

/usr/bin/python3 "$ROOT/bench/compare/summarize.py" "$OUT" "$REPS" "$HAVE_DUCKDB"
