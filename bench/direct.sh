#!/usr/bin/env bash
# Direct-path benchmark (docs/benchmarks.md, "Direct path"), in the NAT lab (needs root, iproute2, nftables,
# iperf3):
#   - throughput of a tunnel on a punched direct path (port-restricted NAT on both sides) against iperf3
#     (TCP, no encryption) through the same two NATs, with a port forward on A's router, in the same run;
#   - first byte of a new connection through a connected peer;
#   - time from the session opening to the direct path, for easy/easy (port-restricted both) and
#     hard/easy (symmetric connector, port-restricted exposer) pairs.
#
#   bench/direct.sh [BYTES] [RUNS]     (default 1 GiB, 3 runs; prints a markdown table)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bytes="${1:-1073741824}"
runs="${2:-3}"
[ "$(id -u)" = 0 ] || { echo "bench/direct.sh: needs root (network namespaces)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench/direct.sh: needs iperf3 (apt-get install -y iperf3)" >&2; exit 2; }
export PINHOLE_LAB="phbench$$"
natlab="$root/lab/natlab"
work="$(mktemp -d)"
cleanup() { "$natlab" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

"$root/bin/peer" --version >/dev/null   # builds on first use
cp="$root/bench/target/classes"
median() { python3 -c 'import sys,statistics; print("%.2f" % statistics.median(float(x) for x in sys.stdin.read().split()))'; }
wait_for() { for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "bench: '$2' never appeared in $1" >&2; cat "$1" >&2; exit 1; }

# start_tunnel TYPE_A TYPE_B: lab, rendezvous, Blast source + expose in site A, connect in site B (127.0.0.1:9100)
start_tunnel() {
  "$natlab" down >/dev/null 2>&1 || true
  rm -rf "$work"/*
  "$natlab" up "$1" "$2" >/dev/null
  "$natlab" exec server "$root/bin/rendezvous" --data-dir "$work/rv" --bind 203.0.113.10 --port 7000 \
    --public-host 203.0.113.10 --no-dashboard >"$work/rv.out" 2>&1 &
  for _ in $(seq 1 150); do [ -s "$work/rv/join-code" ] && break; sleep 0.1; done
  join=$(cat "$work/rv/join-code")
  "$natlab" exec site-a java -cp "$cp" dev.pinhole.bench.Blast serve 9000 >/dev/null 2>&1 &
  "$natlab" exec site-a "$root/bin/peer" expose 9000 --name bench --home "$work/a" --server "$join" --json >"$work/expose.out" 2>&1 &
  wait_for "$work/expose.out" '"exposed"'
}
connect() { # connect LOG: runs peer connect in site B, waits until it listens
  "$natlab" exec site-b "$root/bin/peer" connect bench --listen 127.0.0.1:9100 --home "$work/b" --server "$join" --json >"$1" 2>&1 &
  wait_for "$1" '"ready"'
}
direct_after() { # LOG -> ms from session open to the direct path
  wait_for "$1" '"path":"direct"'
  grep '"path":"direct"' "$1" | head -1 | sed 's/.*"elapsed_ms":\([0-9.]*\).*/\1/'
}
blast() { "$natlab" exec site-b timeout 120 java -cp "$cp" dev.pinhole.bench.Blast fetch 127.0.0.1 9100 "$1"; }

# Time to direct: a fresh connect process (a new session) per run.
time_to_direct() { # TYPE_A TYPE_B -> median ms
  start_tunnel "$1" "$2"
  for i in $(seq 1 "$runs"); do
    connect "$work/connect-$i.out"
    direct_after "$work/connect-$i.out"
    pkill -f "connect bench --listen 127.0.0.1:9100 --home $work/b" || true
    sleep 0.5
  done | median
}
easy_ms=$(time_to_direct port-restricted port-restricted)
hard_ms=$(time_to_direct port-restricted symmetric)

# Throughput and first byte, port-restricted on both sides.
start_tunnel port-restricted port-restricted
connect "$work/connect.out"
direct_after "$work/connect.out" >/dev/null
for _ in 1 2 3; do blast $((1024 * 1024 * 1024)) >/dev/null; done   # JIT warm-up, as in bench/relay.sh
ph=$(for _ in $(seq 1 "$runs"); do blast "$bytes"; done | tee "$work/pinhole.json" | sed 's/.*"gbit_per_s":\([0-9.]*\).*/\1/' | median)
first=$(sed 's/.*"first_byte_ms":\([0-9.]*\).*/\1/' "$work/pinhole.json" | median)
grep -q '"path":"relay"' <(tail -n +3 "$work/connect.out" | grep '"event":"path"' | tail -1) && { echo "bench: the session left the direct path" >&2; exit 1; }

# Reference: iperf3 through the same two NATs (A's router forwards 5201 to A's host, as a user would).
"$natlab" exec nat-a nft add table ip bench_fwd
"$natlab" exec nat-a nft 'add chain ip bench_fwd pre { type nat hook prerouting priority dstnat; }'
"$natlab" exec nat-a nft 'add rule ip bench_fwd pre iifname "wan" tcp dport 5201 dnat to 198.19.1.2'
"$natlab" exec site-a iperf3 -s -D -1 >/dev/null
sleep 0.5
ref=$(for _ in $(seq 1 "$runs"); do
  "$natlab" exec site-a iperf3 -s -D -1 >/dev/null 2>&1 || true; sleep 0.3
  "$natlab" exec site-b iperf3 -c 198.18.1.2 -t 5 -J | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)'
done | median)
ratio=$(python3 -c "print('%.2f' % ($ph / $ref))")

echo "| path (port-restricted NAT on both sides) | Gbit/s (median of $runs) |"
echo "|---|---|"
echo "| iperf3 TCP through the same NATs (port forward on A, no encryption) | $ref |"
echo "| pinhole direct path ($((bytes / 1048576)) MiB per run) | $ph |"
echo
echo "pinhole direct / iperf3: $ratio"
echo "first byte of a new connection through a connected peer, direct path: ${first} ms (median)"
echo "session open -> direct path, median of $runs: easy/easy (port-restricted both) ${easy_ms} ms; hard/easy (symmetric connector) ${hard_ms} ms"
