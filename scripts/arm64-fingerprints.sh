#!/usr/bin/env bash
# ARM64 as a tested platform (issue 19): publish keel for linux-arm64 and linux-x64, run the same
# fits with both (the ARM64 build under QEMU user-mode emulation) and compare the fingerprints.
# Same fingerprint = the same estimates bit for bit. Prints one line per fit and exits 1 on any
# difference.
#
#   scripts/arm64-fingerprints.sh            # the fits below on examples/sales.csv
#   KEEL_ARM64_INSTALL=1 scripts/...         # first install qemu-user-static and the arm64 C/C++
#                                            # libraries (Debian 12, as root; see docs/reproducibility.md)
#
# Emulation is 10-20x slower than native; the whole script takes a few minutes on 2 cores.
# DOTNET_gcConcurrent=0 (no background collector) is set for the emulated runs: with it on, large
# inputs crashed under QEMU (issue 19); see docs/reproducibility.md for what is known.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${KEEL_ARM64_WORK:-${TMPDIR:-/tmp}/keel-arm64}
mkdir -p "$work"

if [[ "${KEEL_ARM64_INSTALL:-0}" == 1 ]]; then
  dpkg --add-architecture arm64
  apt-get update -qq
  apt-get install -y -qq qemu-user-static libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 zlib1g:arm64 libssl3:arm64 >/dev/null
fi

command -v qemu-aarch64-static >/dev/null || { echo "qemu-aarch64-static not found (KEEL_ARM64_INSTALL=1 installs it)" >&2; exit 2; }
[[ -e /lib/ld-linux-aarch64.so.1 ]] || { echo "the arm64 C library is missing (KEEL_ARM64_INSTALL=1 installs it)" >&2; exit 2; }

for rid in linux-x64 linux-arm64; do
  # Published again whenever the commit differs (or KEEL_ARM64_REBUILD is set).
  if [[ ! -x "$work/$rid/keel" || -n "${KEEL_ARM64_REBUILD:-}" || "$(cat "$work/$rid/commit" 2>/dev/null)" != "$(git -C "$root" rev-parse HEAD)" ]]; then
    dotnet publish "$root/src/Keel.Cli" -c Release -r "$rid" --self-contained -o "$work/$rid" -v quiet -nologo >/dev/null
    git -C "$root" rev-parse HEAD >"$work/$rid/commit"
  fi
done

# "FINGERPRINT SOLVER KAPPA" of a result file (empty when there is none): the condition number's
# shortest round-trip text, so its bits are compared too.
read_result() { python3 -c 'import json,sys
try: r = json.load(open(sys.argv[1])); print(r["fingerprint"], r["solver"]["name"], repr(r["diagnostics"]["condition_number"]))
except Exception: print("")' "$1"; }
status=0
# compare DATA FORMULA OPTIONS...: one fit natively and one emulated; same exit code and fingerprint.
compare() {
  local data=$1 formula=$2; shift 2
  local x64_rc=0 arm_rc=0 start
  start=$SECONDS
  "$work/linux-x64/keel" fit "$data" --formula "$formula" "$@" --quiet >"$work/x64.json" || x64_rc=$?
  DOTNET_gcConcurrent=0 qemu-aarch64-static "$work/linux-arm64/keel" fit "$data" --formula "$formula" "$@" --quiet >"$work/arm64.json" || arm_rc=$?
  local x64 arm verdict
  x64=$(read_result "$work/x64.json"); arm=$(read_result "$work/arm64.json")
  if [[ -n "$x64" && "$x64" == "$arm" && $x64_rc == "$arm_rc" ]]; then verdict=same; else verdict=DIFFERENT; status=1; fi
  printf '%-18s %-50s %-34s %-8s exit %s/%s  x64 %s  arm64 %s  %s (%ss)\n' "$(basename "$data")" "$formula" "$*" "${x64#* }" "$x64_rc" "$arm_rc" "${x64:0:16}" "${arm:0:16}" "$verdict" $((SECONDS - start))
}

sales="$root/examples/sales.csv"
formula="log(revenue) ~ region + city + product + C(month) + discount"
compare "$sales" "$formula" --solver qr
compare "$sales" "$formula" --solver qr --threads 1
compare "$sales" "$formula" --solver lsmr --tolerance 1e-12
compare "$sales" "$formula" --solver lsmr --tolerance 1e-12 --threads 2
compare "$sales" "$formula" --solver ridge --lambda 0.01
compare "$sales" "$formula" --solver lasso --lambda 0.001
compare "$sales" "$formula" --solver elasticnet --alpha 0.5
compare "$sales" "$formula" --solver sgd --epochs 3 --seed 7
compare "$sales" "$formula" --se hc1
compare "$sales" "$formula" --cluster city
compare "$sales" "log(revenue) ~ city + product + discount + I(discount^2)"
# GLM families on the R-checked test data (tests/Keel.Tests/Solvers/Glm).
glm="$root/tests/Keel.Tests/Solvers/Glm"
compare "$glm/glm_data.csv" "y ~ a + b" --family poisson
compare "$glm/glm_data.csv" "y ~ a + x" --family poisson --se hc1
compare "$glm/glm_data.csv" "z ~ a + b" --family binomial
compare "$glm/glm_data.csv" "p ~ a + b" --family binomial --weights trials
compare "$glm/glm_offset.csv" "y ~ a + b + offset(log(exposure))" --family poisson
compare "$glm/glm_separated.csv" "y ~ a + b" --family poisson

# Three factors (issue 18): the row path's full-rank certificate and condition estimate; the row
# path's exact Schur decision (c a function of b: aliased levels); the cells path's blocked Cholesky
# and dependencies (--solver lsmr).
three="$work/three-20k.csv"
[[ -s "$three" ]] || python3 - "$three" <<'PY'
import random, sys
rng = random.Random(18)
with open(sys.argv[1], "w") as f:
    f.write("y,a,b,c,d,x\n")
    for _ in range(20_000):
        a, b, c, x = rng.randrange(1000), rng.randrange(300), rng.randrange(30), rng.random()
        f.write(f"{0.001 * a + 0.02 * b - 0.01 * c + 0.5 * x + rng.gauss(0, 1):.6f},a{a},b{b},c{c},d{b % 30},{x:.4f}\n")
PY
compare "$three" "y ~ x + a + b + c"
compare "$three" "y ~ x + a + b + c" --threads 1
compare "$three" "y ~ x + a + b + d"
compare "$three" "y ~ a + b + d" --solver lsmr
# Factors alone on the row path (session 11): the further levels' factor preconditions the
# projection, gives every level's error and the condition estimate (FactorsAloneGram), the cells'
# runs the lack-of-fit test; with d = b mod 30 four factors and aliased levels.
compare "$three" "y ~ a + b + c"
compare "$three" "y ~ a + b + c" --threads 1
compare "$three" "y ~ a + b + c + d"

# Factors alone with a factor of about a level per row (30,000 possible over 20,000 rows): the row
# path without covariates (RowPathChoice's factors-alone rule).
alone="$work/alone-20k.csv"
[[ -s "$alone" ]] || python3 - "$alone" <<'PY'
import random, sys
rng = random.Random(20)
with open(sys.argv[1], "w") as f:
    f.write("y,u,v\n")
    for _ in range(20_000):
        u, v = rng.randrange(30_000), rng.randrange(40)
        f.write(f"{0.0001 * u + 0.02 * v + rng.gauss(0, 1):.6f},u{u},v{v}\n")
PY
compare "$alone" "y ~ u + v"
compare "$alone" "y ~ u + v" --threads 1

if [[ "${KEEL_ARM64_LARGE:-0}" == 1 ]]; then
  # 200,000 rows, 2,000 + 50 levels and a continuous x: every row its own cell, the LSMR path.
  large="$work/rows-200k.csv"
  [[ -s "$large" ]] || python3 - "$large" <<'PY'
import random, sys
rng = random.Random(19)
with open(sys.argv[1], "w") as f:
    f.write("y,a,b,x\n")
    for _ in range(200_000):
        a, b, x = rng.randrange(2000), rng.randrange(50), rng.random()
        f.write(f"{0.001 * a + 0.02 * b + 0.5 * x + rng.gauss(0, 1):.6f},a{a},b{b},{x:.4f}\n")
PY
  # auto takes the row path here (solver "within"); --solver lsmr the cells path.
  compare "$large" "y ~ a + b + x"
  compare "$large" "y ~ a + b + x" --solver lsmr
  compare "$large" "y ~ a + b + x" --threads 1
  compare "$large" "y ~ b + x" --solver qr
  # Likelihood fits on the row path (issue 16: RowGlm, RowSeparation): counts and a 0/1 outcome
  # beside 2,000 + 50 levels and a continuous x, beyond the dense limits; level a0 all zero
  # (separated), so the separation's exclusion and the refit run too.
  counts="$work/counts-200k.csv"
  [[ -s "$counts" ]] || python3 - "$counts" <<'PY'
import math, random, sys
rng = random.Random(16)
def poisson(mu):
    # Knuth's product of uniforms, in pieces of 30 so exp(-mu) stays a normal double.
    k = 0
    while mu > 0:
        step = min(mu, 30.0); mu -= step
        limit, p = math.exp(-step), 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                break
            k += 1
    return k
with open(sys.argv[1], "w") as f:
    f.write("y,z,a,b,x\n")
    for _ in range(200_000):
        a, b, x = rng.randrange(2000), rng.randrange(50), rng.random()
        y = 0 if a == 0 else poisson(math.exp(0.2 + 0.0003 * a + 0.01 * b + 0.5 * x))
        f.write(f"{y},{1 if y >= 2 else 0},a{a},b{b},{x:.4f}\n")
PY
  compare "$counts" "y ~ x | a + b" --family poisson
  compare "$counts" "y ~ x | a + b" --family poisson --cluster a --threads 1
  compare "$counts" "z ~ x | a + b" --family binomial --se hc1
fi
exit $status
