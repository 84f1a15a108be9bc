#!/usr/bin/env bash
# Measures 'ccproxy report' on a folder of 'test' documents against jq doing the same grouping
# on the same files, in the same run: the newest document per host (by source.readAt), then
# the machines, the compliant ones, the machines per finding id and status, and the machines
# per WinHTTP setting. The documents come from tests/reportgen (5% of them older or newer
# duplicates of a host), one per file, as 'ccproxy test --output' writes them. jq reads them
# through 'xargs cat', since it takes no folder. The page cache is warmed first, and both
# answers are compared before any time counts. Targets from the issue: ccproxy at least 10
# times faster than jq at the largest size, and a peak resident set under 64 MB at every size.
# Usage: tests/bench/report-vs-jq.sh [documents...]   (default 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
command -v jq >/dev/null || { echo "jq is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -trimpath -ldflags '-s -w' -o "$work/ccproxy" .
go build -o "$work/reportgen" ./tests/reportgen/cmd

cat >"$work/group.jq" <<'JQ'
reduce inputs as $d ({};
  ($d.source.host | ascii_downcase) as $h
  | if (.[$h] == null) or (.[$h].at < $d.source.readAt) then
      .[$h] = {at: $d.source.readAt, compliant: $d.compliant,
               findings: [$d.findings[] | [.id, .status]],
               services: ([$d.findings[].evidence[]
                           | select(.path == "winhttp.native.mode" or .path == "winhttp.native.proxy.raw" or .path == "winhttp.native.bypass.raw")]
                          | unique_by(.path) | map(.value))}
    else . end)
| [.[]] as $m
| {machines: ($m | length),
   compliant: ([$m[] | select(.compliant)] | length),
   findings: ([$m[].findings[]] | group_by(.) | map({id: .[0][0], status: .[0][1], machines: length})),
   services: ([$m[].services] | group_by(.) | map(length) | sort)}
JQ

# The same numbers, from ccproxy's report.
cat >"$work/from-report.jq" <<'JQ'
{machines: .machines.seen,
 compliant: .machines.compliant,
 findings: ([.findings[] | . as $f | ("pass", "fail", "warn", "notApplicable", "notChecked")
             | select($f[.] > 0) | {id: $f.id, status: ., machines: $f[.]}] | sort_by(.id, .status)),
 services: ([.settings.services[].machines] | sort)}
JQ

# run NAME COMMAND...: runs under /usr/bin/time, prints "wall-ms max-rss-kB"
run() {
  local name=$1
  shift
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss-$name" "$@" >"$work/out-$name.json"
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $(tail -1 "$work/rss-$name")"
}

fail=0
for n in "${sizes[@]}"; do
  dir="$work/docs-$n"
  dups=$((n / 20))
  "$work/reportgen" -dir "$dir" -machines $((n - dups)) -duplicates "$dups" -test-only -seed 1 >"$work/truth-$n.json"
  files=$(find "$dir" -type f | wc -l)
  bytes=$(du -sb "$dir" | cut -f1)
  find "$dir" -type f -print0 | xargs -0 cat >/dev/null # warm the page cache for both

  read -r cc1 rss1 < <(run "cc-$n" "$work/ccproxy" report "$dir")
  read -r jqt jqrss < <(run "jq-$n" bash -c "find '$dir' -type f -print0 | xargs -0 cat | jq -n -f '$work/group.jq'")
  read -r cc2 rss2 < <(run "cc2-$n" "$work/ccproxy" report "$dir")

  jq -S '.findings |= sort_by(.id, .status)' "$work/out-jq-$n.json" >"$work/jq-$n.norm"
  jq -S -f "$work/from-report.jq" "$work/out-cc-$n.json" >"$work/cc-$n.norm"
  if ! cmp -s "$work/jq-$n.norm" "$work/cc-$n.norm"; then
    echo "FAIL: ccproxy and jq disagree at $n documents:" >&2
    diff "$work/jq-$n.norm" "$work/cc-$n.norm" | head -20 >&2
    exit 1
  fi
  cc=$(((cc1 + cc2) / 2))
  rss=$((rss1 > rss2 ? rss1 : rss2))
  ratio=$(awk -v j="$jqt" -v c="$cc" 'BEGIN { printf "%.1f", j / c }')
  machines=$(jq .machines "$work/cc-$n.norm")
  printf 'report: %d documents (%d files, %.0f MB, %d machines): ccproxy %d ms (runs %d, %d), peak RSS %.1f MB; jq %d ms, peak RSS %.1f MB; ccproxy %sx faster\n' \
    "$n" "$files" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')" "$machines" "$cc" "$cc1" "$cc2" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
    "$jqt" "$(awk -v k="$jqrss" 'BEGIN{print k/1024}')" "$ratio"
  [ "$rss" -lt $((64 * 1024)) ] || { echo "FAIL: peak RSS at $n documents is 64 MB or more"; fail=1; }
  if [ "$n" = "${sizes[-1]}" ]; then
    awk -v r="$ratio" 'BEGIN { exit !(r < 10) }' && { echo "FAIL: less than 10 times faster than jq at $n documents"; fail=1; }
  fi
  rm -rf "$dir"
done
exit $fail
