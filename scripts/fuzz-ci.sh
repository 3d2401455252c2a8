#!/usr/bin/env bash
# Bounded fuzz run for CI: builds the stable-Rust fuzzer in fuzz/ (its own
# workspace, never part of the main build) and gives each of its 9
# surfaces SECONDS_PER_TARGET seconds (default 6: under 60 s in all, plus the
# build). Exit 1 when an input panics or hangs; the input is saved under
# fuzz/artifacts/. The long run is in fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_TARGET:-6}
# CI builds the fuzzer in the dev profile into the main target folder, so it
# reuses the dependencies the tests compiled (about 1 min instead of 5); the
# dev profile keeps the overflow checks and debug assertions the release
# profile turns on, at a fifth to a tenth of the speed. The long runs of
# fuzz/README.md use the release build.
cargo build --quiet --manifest-path fuzz/Cargo.toml --target-dir target
# A fresh seed per CI run explores new inputs; it is printed to reproduce one.
seed=${FUZZ_SEED:-$(date +%s)}
echo "fuzz: seed $seed, $seconds s per target"
# The library's warnings about the inputs it is fed (a mutated results file
# without its sample files, say) are expected and would fill the log: they
# are dropped; everything else on stderr stays.
target/debug/cuebench-fuzz --seconds "$seconds" --seed "$seed" \
    2> >(grep -v '^cuebench: warning: ' >&2)
