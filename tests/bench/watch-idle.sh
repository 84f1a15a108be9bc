#!/usr/bin/env bash
# Measures the idle cost of 'ccproxy watch' under Wine against a minimal Go program that
# waits on one registry notification (RegNotifyChangeKeyValue on one key), both
# windows/amd64 and laid out as the release lays out its executables (release -align-pe),
# started one after the other in one fresh Wine prefix: CPU time used while nothing changes
# and memory. Then the latency from a 'reg add' of WinHttpSettings to watch's event line,
# over a few changes (reported, not asserted: it includes the start of Wine's reg.exe and the
# 200 ms debounce).
#
# The memory target (under 20 MB) is on the private working set, the "Memory (private
# working set)" that Task Manager shows for a process: the pages no other process can share
# (Microsoft, ProcessMemoryUsageReport.PrivatePageCount). Here that is the process's
# anonymous memory. The resident size is printed too; it adds the pages of the program and
# of Wine's DLLs mapped from their files, which Microsoft counts as shared data of the
# working set ("the pages that contain all the instructions that the process executes").
# The executables are written to disk (sync) before they run, so that the resident split is
# clean: pages of a file not yet written back show as private dirty (the private figure,
# anonymous memory, never holds them).
# Exit status: 0 when the target is met, 1 when not.
# Usage: tests/bench/watch-idle.sh [idle-seconds]   (default 30)
# Needs wine and x86_64-w64-mingw32-gcc (for the ProcessPrng shim Go 1.24+ binaries need).
set -euo pipefail
cd "$(dirname "$0")/../.."
idle=${1:-30}
work=$(mktemp -d)
base=_bench-idlewait-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  WINEPREFIX="$work/prefix" wineserver -k 2>/dev/null || true
  rm -rf "$work" "$base"
}
trap cleanup EXIT

GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/ccproxy.exe" .
# The baseline is built inside the module (for golang.org/x/sys), from a folder whose name
# the ./... patterns ignore.
mkdir "$base"
cat >"$base/main.go" <<'GO'
package main

import (
	"runtime"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// Waits on one change notification, for ever: the floor an idle watcher can reach.
func main() {
	runtime.LockOSThread()
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings`, registry.NOTIFY)
	if err != nil {
		panic(err)
	}
	ev, _ := windows.CreateEvent(nil, 0, 0, nil)
	for {
		windows.RegNotifyChangeKeyValue(windows.Handle(k), false, windows.REG_NOTIFY_CHANGE_NAME|windows.REG_NOTIFY_CHANGE_LAST_SET, ev, true)
		windows.WaitForSingleObject(ev, windows.INFINITE)
	}
}
GO
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/baseline.exe" "./$base"
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$work/bcryptprimitives.dll" tests/wine/shim/bcryptprimitives.c -ladvapi32
go run ./release -align-pe "$work/ccproxy.exe"
go run ./release -align-pe "$work/baseline.exe"
sync

export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
wineserver -p30
# The first program boots the prefix (Wine runs wineboot --init for it); 'wineboot -i' on top
# would start a second service manager.
wine=$(command -v wine64 || command -v wine)
"$wine" cmd /c exit 0 >/dev/null 2>&1
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

pid_of() { # the newest process of this prefix whose command line names $1
  for _ in $(seq 100); do
    for p in $(pgrep -f "$1" | sort -rn); do
      if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX"; then
        echo "$p"
        return
      fi
    done
    sleep 0.2
  done
  echo "no process for $1" >&2
  exit 1
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Of the resident memory: anonymous (private, written: the Go heap and stacks, Wine's own
# heaps) and file-backed (the mapped program and DLLs, shared with other processes of the
# prefix where they are the same files).
smaps() { awk '/^(Rss|Anonymous|Private_Dirty|Shared_Clean|Private_Clean):/ {v[$1]=$2} END {printf "anonymous %d kB, file-backed %d kB (private clean %d, shared clean %d), private dirty %d kB", v["Anonymous:"], v["Rss:"]-v["Anonymous:"], v["Private_Clean:"], v["Shared_Clean:"], v["Private_Dirty:"]}' "/proc/$1/smaps_rollup"; }
hz=$(getconf CLK_TCK)
declare -A private_kb

measure() { # name exe args...
  local name=$1
  shift
  "$wine" "$@" >/dev/null 2>"$work/stderr" &
  pids+=($!)
  local p t0 t1 r1
  p=$(pid_of "$(basename "$1")")
  sleep 5 # past the start-up
  t0=$(ticks "$p")
  sleep "$idle"
  t1=$(ticks "$p")
  r1=$(rss_kb "$p")
  local anon
  anon=$(awk '/^Anonymous:/ {print $2}' "/proc/$p/smaps_rollup")
  echo "$name: idle ${idle}s: CPU $(((t1 - t0) * 1000 / hz)) ms, private $((anon / 1024)) MB ($anon kB), RSS $((r1 / 1024)) MB ($r1 kB): $(smaps "$p")"
  private_kb[$name]=$anon
  local mem
  mem=$(grep -o '"heapInuse".*"memory, [a-z ]*"' "$work/stderr" | tail -1 || true)
  [ -n "$mem" ] && echo "  Go runtime (watch --log-level debug): $mem"
  kill "$p" 2>/dev/null || true
  sleep 1
}
events="$work/events.jsonl"
winevents="Z:${events//\//\\}"
measure "baseline (one notification)" "$work/baseline.exe"
measure "ccproxy watch" "$work/ccproxy.exe" watch --no-event-log --advanced-interval 0 --log-level debug --output "$winevents"

w=${private_kb[ccproxy watch]}
b=${private_kb[baseline (one notification)]}
met=0
if [ "$w" -lt $((20 * 1024)) ]; then verdict="met"; else verdict="NOT met"; met=1; fi
echo "target under 20 MB private: $verdict ($((w / 1024)) MB; baseline $((b / 1024)) MB, ccproxy's own part $(((w - b) / 1024)) MB)"

# Latency: reg add, then the time until watch's event line is in the file.
rm -f "$events"
"$wine" "$work/ccproxy.exe" watch --no-event-log --advanced-interval 0 --debounce 200ms --output "$winevents" >/dev/null 2>&1 &
pids+=($!)
until [ -s "$events" ]; do sleep 0.2; done
key='HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'
direct=1800000000000000010000000000000000000000
proxy=18000000000000000300000004000000703a383000000000 # proxy "p:80", no bypass list
for i in 1 2 3 4 5 6; do
  before=$(grep -c . "$events")
  data=$direct
  [ $((i % 2)) -eq 1 ] && data=$proxy
  start=$(date +%s%N)
  "$wine" reg add "$key" /v WinHttpSettings /t REG_BINARY /d "$data" /f >/dev/null 2>&1
  reg_done=$(date +%s%N)
  until [ "$(grep -c . "$events")" -gt "$before" ]; do sleep 0.01; done
  end=$(date +%s%N)
  echo "change $i: event $(((end - start) / 1000000)) ms after reg add started, $(((end - reg_done) / 1000000)) ms after it returned (debounce 200 ms)"
done
exit $met
