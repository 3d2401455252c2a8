#!/usr/bin/env bash
# Renders a `cuebench report` in headless Chromium and checks that it opens
# without console errors and without a single network request, then leaves a
# screenshot (PNG) and a print rendering (PDF) to look at.
#
#   scripts/render-report.sh [OUT_DIR] [RESULTS...]
#
# OUT_DIR defaults to target/render-report; RESULTS default to the fixture
# runs under tests/fixtures/results. Needs Chromium (Debian: `apt-get install
# -y chromium`) and a built cuebench ($CUEBENCH, else the newer of
# target/release and target/debug). Exit 0: clean; 1: console errors or network requests (listed).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-target/render-report}
shift || true
if [ "$#" -gt 0 ]; then
    results=("$@")
else
    results=(tests/fixtures/results/model-a tests/fixtures/results/model-b
        tests/fixtures/results/clip-separate.json)
fi
# $CUEBENCH, else the newer of the release and debug builds.
bin=${CUEBENCH:-$(ls -t target/release/cuebench target/debug/cuebench 2>/dev/null | head -1 || true)}
[ -n "$bin" ] || { echo "no cuebench binary: cargo build first" >&2; exit 2; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no Chromium: apt-get install -y chromium" >&2; exit 2; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
"$bin" report "${results[@]}" --out "$out/report.html"

# No background traffic of the browser's own: every request in the net log
# must then come from the page.
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-sync
    --disable-background-networking --disable-component-update --disable-default-apps
    --disable-extensions --disable-features=Translate,OptimizationHints,MediaRouter
    --enable-logging=stderr --v=0 --hide-scrollbars)
timeout 120 "$browser" "${flags[@]}" --log-net-log="$out/netlog.json" \
    --window-size=1280,2400 --screenshot="$out/report.png" \
    "file://$out/report.html" 2>"$out/chromium.log" || true
timeout 120 "$browser" "${flags[@]}" --no-pdf-header-footer \
    --print-to-pdf="$out/report.pdf" "file://$out/report.html" 2>>"$out/chromium.log" || true

status=0
# Console messages (errors, CSP refusals) are logged as CONSOLE lines.
if grep -E "CONSOLE|Content Security Policy|Refused to" "$out/chromium.log" >"$out/console.txt"; then
    echo "console messages:" >&2
    cat "$out/console.txt" >&2
    status=1
fi
# Every request the page made: the browser's own background requests carry
# the initiator "not an origin"; the page's carry its (file://, "null") origin.
python3 - "$out/netlog.json" >"$out/requests.txt" <<'PY'
import json, sys
log, _ = json.JSONDecoder().raw_decode(open(sys.argv[1]).read())
names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
for event in log["events"]:
    params = event.get("params", {})
    url = params.get("url", "")
    if (names.get(event["type"]) == "URL_REQUEST_START_JOB"
            and url and params.get("initiator") != "not an origin"
            and not url.startswith(("file:", "data:"))):
        print(url)
PY
if [ -s "$out/requests.txt" ]; then
    echo "network requests from the page:" >&2
    cat "$out/requests.txt" >&2
    status=1
fi
[ -s "$out/report.png" ] || { echo "no screenshot written (see $out/chromium.log)" >&2; status=1; }
echo "report $(wc -c <"$out/report.html") bytes; screenshot $out/report.png; print $out/report.pdf"
[ "$status" -eq 0 ] && echo "no console errors, no network requests"
exit "$status"
