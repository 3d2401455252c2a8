#!/usr/bin/env bash
# How the time of scoring many runs grows (docs/many-runs.md): `cuebench
# bench --runs N` for N = 1, 10, 50 (or the counts given), each started only
# when the 1-minute load average is under LOAD_MAX (default 2.5), with the
# load printed before and after. Run from the repository root after
# `cargo build --release`.
set -euo pipefail
cuebench=${CUEBENCH:-target/release/cuebench}
load_max=${LOAD_MAX:-2.5}
work=${WORK:-${TMPDIR:-/tmp}/cuebench-bench-runs}
load() { cut -d' ' -f1 /proc/loadavg; }
for n in "${@:-1 10 50}"; do
  for m in $n; do
    until awk -v l="$(load)" -v max="$load_max" 'BEGIN { exit !(l < max) }'; do sleep 20; done
    echo "== --runs $m (load before: $(load))"
    "$cuebench" bench --runs "$m" --work "$work" --quiet
    echo "(load after: $(load))"
  done
done
