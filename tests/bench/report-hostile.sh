#!/usr/bin/env bash
# Measures 'ccproxy report' on a folder of hostile files against a normal fleet folder, in
# the same run: peak resident set and wall time. The hostile folder (tests/reportgen -hostile)
# holds a gzip that expands to a list nested 7,000,000 deep, a gzip bomb of 4.5 GiB of blanks,
# one of 5,000,000 empty documents, a JSON Lines file of 1,000,000 hosts each with its own
# issuer and failing endpoint, 200 documents that each list one finding id 500 times, a
# forged later document for a host that has its own, documents just under the 4 MiB limit
# (alone and three to a file), a FIFO, a link to it and a link to
# /dev/zero. The baseline is a generated fleet of 2,000 machines (3,257 files). Targets from the
# issue: the report finishes, exits 0, keeps the victim's own verdict, and its peak resident
# set stays under 100 MB.
# Usage: tests/bench/report-hostile.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v jq >/dev/null || { echo "jq is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -trimpath -ldflags '-s -w' -o "$work/ccproxy" .
go build -o "$work/reportgen" ./tests/reportgen/cmd

hostile="$work/hostile"
"$work/reportgen" -dir "$hostile" -hostile
mkfifo "$hostile/fifo.json"
ln -s fifo.json "$hostile/link-to-fifo.json"
ln -s /dev/zero "$hostile/zero.json"
normal="$work/normal"
"$work/reportgen" -dir "$normal" -machines 2000 -duplicates 100 -mixed -seed 3 >/dev/null

# run NAME DIR: runs the report under /usr/bin/time (at most 10 minutes), prints
# "exit wall-ms max-rss-kB"
run() {
  local name=$1 dir=$2 start end code=0
  start=$(date +%s%N)
  timeout 600 /usr/bin/time -f '%M' -o "$work/rss-$name" "$work/ccproxy" report "$dir" >"$work/out-$name.json" 2>"$work/err-$name" || code=$?
  end=$(date +%s%N)
  echo "$code $(((end - start) / 1000000)) $(tail -1 "$work/rss-$name")"
}

read -r ncode nms nrss < <(run normal "$normal")
read -r hcode hms hrss < <(run hostile "$hostile")
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf 'report, normal folder (%d files, %s MB): exit %d, %d ms, peak RSS %s MB\n' \
  "$(find "$normal" -type f | wc -l)" "$(du -sm "$normal" | cut -f1)" "$ncode" "$nms" "$(mb "$nrss")"
printf 'report, hostile folder (%d files, %s MB on disk): exit %d, %d ms, peak RSS %s MB\n' \
  "$(find "$hostile" -type f | wc -l)" "$(du -smL "$hostile" 2>/dev/null | cut -f1 || du -sm "$hostile" | cut -f1)" "$hcode" "$hms" "$(mb "$hrss")"
jq -c '{machines: .machines.seen, rejected: .rejected.count, skipped: .inputs.skipped, leftOut, provenanceFlagged: .provenance.count}' "$work/out-hostile.json"

fail=0
[ "$ncode" = 0 ] || { echo "FAIL: the normal folder exits $ncode"; fail=1; }
[ "$hcode" = 0 ] || { echo "FAIL: the hostile folder exits $hcode: $(head -c 300 "$work/err-hostile")"; fail=1; }
[ "$hrss" -lt $((100 * 1024)) ] || { echo "FAIL: peak RSS on the hostile folder is 100 MB or more"; fail=1; }
# Each hostile file is named in the report's list of rejections, by the limit it met.
for reason in "nested deeper than 1000 levels" "larger than 4 GiB once decompressed" "holds more than 1000000 documents" "100000 machines already"; do
  jq -e --arg r "$reason" '[.rejected.documents[].reason | select(contains($r))] | length > 0' "$work/out-hostile.json" >/dev/null ||
    { echo "FAIL: no listed rejection says \"$reason\""; fail=1; }
done
# The victim's own failing document stands against the forged later one.
if [ "$hcode" = 0 ]; then
  victim=$("$work/ccproxy" report --jsonl "$hostile/CC-VICTIM.json" "$hostile/CC-forger.jsonl" | jq -r 'select(.host == "CC-VICTIM") | .compliant')
  [ "$victim" = false ] || { echo "FAIL: a forged document made CC-VICTIM compliant"; fail=1; }
fi
exit $fail
