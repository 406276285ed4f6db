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
  if [[ ! -x "$work/$rid/keel" || -n "${KEEL_ARM64_REBUILD:-}" ]]; then
    dotnet publish "$root/src/Keel.Cli" -c Release -r "$rid" --self-contained -o "$work/$rid" -v quiet -nologo >/dev/null
  fi
done

data="$root/examples/sales.csv"
formula="log(revenue) ~ region + city + product + C(month) + discount"
fits=(
  "--solver qr"
  "--solver qr --threads 1"
  "--solver lsmr --tolerance 1e-12"
  "--solver lsmr --tolerance 1e-12 --threads 2"
  "--solver ridge --lambda 0.01"
  "--solver lasso --lambda 0.001"
  "--solver sgd --epochs 3 --seed 7"
  "--se hc1"
)
fingerprint() { sed -n 's/.*"fingerprint": "\([0-9a-f]*\)".*/\1/p'; }
status=0
for options in "${fits[@]}"; do
  # shellcheck disable=SC2086 # the options are words
  x64=$("$work/linux-x64/keel" fit "$data" --formula "$formula" $options --quiet | fingerprint)
  # shellcheck disable=SC2086
  arm=$(DOTNET_gcConcurrent=0 qemu-aarch64-static "$work/linux-arm64/keel" fit "$data" --formula "$formula" $options --quiet | fingerprint)
  if [[ -n "$x64" && "$x64" == "$arm" ]]; then verdict=same; else verdict=DIFFERENT; status=1; fi
  printf '%-45s x64 %s  arm64 %s  %s\n' "$options" "${x64:0:16}" "${arm:0:16}" "$verdict"
done
exit $status
