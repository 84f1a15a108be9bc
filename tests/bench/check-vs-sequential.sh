#!/usr/bin/env bash
# Measures 'ccproxy check' as a whole process on 40 endpoints behind a proxy that adds 200 ms
# to each CONNECT (the lab in probe/probetest/checklab), all endpoints at once
# (--concurrency 41: 40 endpoints and the R8 test), at the default settings (no --concurrency:
# the whole catalog in one round), and one after another (--concurrency 1), in the same run.
# Targets: all at once and the default within 1.3 x the delay plus the handshake overhead
# (what the sequential run spends per endpoint beyond the delay), and a peak resident set
# under 50 MB.
# Usage: tests/bench/check-vs-sequential.sh [endpoints] [delay-ms]   (default 40 200)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-40}
delay_ms=${2:-200}
work=$(mktemp -d)
lab_pid=
cleanup() { [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -trimpath -ldflags '-s -w' -o "$work/ccproxy" .
go build -o "$work/checklab" ./probe/probetest/checklab
mkfifo "$work/hold"
"$work/checklab" -dir "$work" -endpoints "$n" -delay "${delay_ms}ms" <"$work/hold" >"$work/lab.out" &
lab_pid=$!
exec 3>"$work/hold" # keeps the lab's stdin open until the script ends
for _ in $(seq 100); do grep -q '^upstream' "$work/lab.out" 2>/dev/null && break; sleep 0.1; done
proxy=$(awk '/^proxy/ {print $2}' "$work/lab.out")
port=$(awk '/^upstream/ {print $2}' "$work/lab.out")

# measure NAME CONCURRENCY: runs the check under /usr/bin/time, prints "NAME wall-ms max-rss-kB"
measure() {
  local name=$1 conc=$2 start end code
  start=$(date +%s%N)
  set +e
  /usr/bin/time -v -o "$work/time-$name" "$work/ccproxy" check --catalog "$work/catalog.json" --ca-file "$work/roots.pem" \
    --proxy "$proxy" --ip-literal "192.0.2.10:$port" ${conc:+--concurrency "$conc"} --deadline 2m >"$work/doc-$name.json"
  code=$?
  set -e
  end=$(date +%s%N)
  if [ "$code" -ne 0 ]; then echo "FAIL: check --concurrency $conc exited $code" >&2; cat "$work/doc-$name.json" >&2; exit 1; fi
  echo "$name $(((end - start) / 1000000)) $(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$name")"
}

"$work/ccproxy" check --catalog "$work/catalog.json" --ca-file "$work/roots.pem" --proxy "$proxy" \
  --ip-literal "192.0.2.10:$port" --concurrency 1 --deadline 2m >/dev/null # warm the lab's certificate cache
read -r _ t_all rss_all < <(measure all-at-once $((n + 1)))
read -r _ t_def rss_def < <(measure default "")
read -r _ t_seq rss_seq < <(measure sequential 1)

overhead=$(awk -v s="$t_seq" -v n="$n" -v d="$delay_ms" 'BEGIN { o = s / n - d; if (o < 0) o = 0; printf "%.0f", o }')
target=$(awk -v d="$delay_ms" -v o="$overhead" 'BEGIN { printf "%.0f", 1.3 * d + o }')
printf 'check: %d endpoints, proxy adds %d ms each\n' "$n" "$delay_ms"
printf '  all at once (--concurrency %d): %5d ms  (%.2f x delay)  peak RSS %d kB\n' $((n + 1)) "$t_all" "$(awk -v t="$t_all" -v d="$delay_ms" 'BEGIN{print t/d}')" "$rss_all"
printf '  default (no --concurrency):     %5d ms  (%.2f x delay)  peak RSS %d kB\n' "$t_def" "$(awk -v t="$t_def" -v d="$delay_ms" 'BEGIN{print t/d}')" "$rss_def"
printf '  sequential (--concurrency 1):   %5d ms  (%.2f x delay)  peak RSS %d kB\n' "$t_seq" "$(awk -v t="$t_seq" -v d="$delay_ms" 'BEGIN{print t/d}')" "$rss_seq"
printf '  handshake overhead per endpoint: %d ms; target for all at once: <= %d ms; speed-up %.1fx\n' "$overhead" "$target" "$(awk -v a="$t_all" -v s="$t_seq" 'BEGIN{print s/a}')"

fail=0
[ "$t_all" -le "$target" ] || { echo "FAIL: all at once took $t_all ms, over $target ms"; fail=1; }
[ "$t_def" -le "$target" ] || { echo "FAIL: the default settings took $t_def ms, over $target ms"; fail=1; }
for rss in "$rss_all" "$rss_def" "$rss_seq"; do
  [ "$rss" -lt 51200 ] || { echo "FAIL: peak RSS $rss kB is 50 MB or more"; fail=1; }
done
exit $fail
