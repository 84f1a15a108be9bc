#!/usr/bin/env bash
# Measures 'ccproxy get' over a ~1 MB ProxyOverride (any user can write one into their own
# HKCU) against the same kind of list at a quarter of the size and against a small export,
# all in the same run: peak RSS (/usr/bin/time -v) and wall time, the best of 3 runs each.
# Three kinds of list: host names as a real list holds them, one-letter entries ("a;a;..."),
# the most entries a megabyte can hold, and a ~1 MB ProxyServer of "a:1" entries. Targets: every run under 200 MB; cost linear in the
# list (the full list costs at most 6x the quarter above the baseline, 4x being linear).
# Usage: tests/bench/get-large-bypass.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/ccproxy" .

# reg NAME BYTES KIND: a .reg export whose ProxyOverride holds about BYTES of entries.
reg() {
  awk -v n="$2" -v kind="$3" 'BEGIN {
    printf "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n"
    if (kind == "proxy") printf "\"ProxyEnable\"=dword:00000001\r\n\"ProxyOverride\"=\"<local>\"\r\n\"ProxyServer\"=\"p:1"
    else printf "\"ProxyEnable\"=dword:00000001\r\n\"ProxyServer\"=\"proxy.corp.example:8080\"\r\n\"ProxyOverride\"=\"<local>"
    size = 7
    for (i = 0; size < n; i++) {
      if (kind == "tiny") e = "a"
      else if (kind == "proxy") e = "a:1"
      else if (i % 7 == 0) e = sprintf("10.%d.%d.*", i % 256, int(i / 256) % 256)
      else if (i % 5 == 0) e = sprintf("*.zone%d.example", i)
      else e = sprintf("host%d.corp%d.example", i, i % 97)
      printf ";%s", e
      size += length(e) + 1
    }
    printf "\"\r\n"
  }' >"$work/$1.reg"
}

# measure FILE: "peakKB seconds" of the best of 3 runs of ccproxy get --from FILE.
measure() {
  local best_kb=0 best_s=0
  for _ in 1 2 3; do
    /usr/bin/time -f '%M %e' -o "$work/time" "$work/ccproxy" get --from "$1" >"$work/out.json"
    read -r kb s <"$work/time"
    if [ "$best_kb" = 0 ] || [ "$kb" -lt "$best_kb" ]; then best_kb=$kb; fi
    if [ "$best_s" = 0 ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then best_s=$s; fi
  done
  echo "$best_kb $best_s $(stat -c %s "$work/out.json")"
}

fail=0
read -r base_kb base_s base_out < <(measure examples/ie-winhttp-matching.reg)
printf 'baseline  examples/ie-winhttp-matching.reg: peak %6.1f MB, %5.2f s, document %d bytes\n' "$(awk -v k="$base_kb" 'BEGIN{print k/1024}')" "$base_s" "$base_out"
for kind in hosts tiny proxy; do
  reg "$kind-full" 1000000 "$kind"
  reg "$kind-quarter" 250000 "$kind"
  read -r full_kb full_s full_out < <(measure "$work/$kind-full.reg")
  read -r q_kb q_s q_out < <(measure "$work/$kind-quarter.reg")
  entries=$(tr ';' '\n' <"$work/$kind-full.reg" | wc -l)
  for r in "full:$full_kb:$full_s:$full_out:$kind-full" "quarter:$q_kb:$q_s:$q_out:$kind-quarter"; do
    IFS=: read -r what kb s out file <<<"$r"
    printf '%-6s %-7s %7d bytes of list: peak %6.1f MB, %5.2f s, document %d bytes\n' "$kind" "$what" "$(stat -c %s "$work/$file.reg")" "$(awk -v k="$kb" 'BEGIN{print k/1024}')" "$s" "$out"
    if [ "$kb" -ge $((200 * 1024)) ]; then echo "FAIL: $kind $what: peak RSS 200 MB or more"; fail=1; fi
  done
  ratio=$(awk -v f="$full_kb" -v q="$q_kb" -v b="$base_kb" 'BEGIN { d = q - b; if (d < 1024) d = 1024; printf "%.2f", (f - b) / d }')
  echo "$kind: about $entries entries; memory above the baseline, full/quarter = $ratio (linear: 4)"
  if awk -v r="$ratio" 'BEGIN { exit !(r > 6) }'; then echo "FAIL: $kind: memory grows faster than the list"; fail=1; fi
  tratio=$(awk -v f="$full_s" -v q="$q_s" -v b="$base_s" 'BEGIN { d = q - b; if (d < 0.01) d = 0.01; printf "%.2f", (f - b) / d }')
  echo "$kind: time above the baseline, full/quarter = $tratio (linear: 4; small times are noisy)"
done
exit $fail
