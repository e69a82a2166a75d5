#!/usr/bin/env bash
# UDP benchmark (docs/benchmarks.md, "UDP"; docs/udp.md), in the NAT lab (needs root, iproute2, nftables, iperf3,
# python3), port-restricted NAT on both sides:
#   - iperf3 -u through a UDP tunnel at several offered rates, throughput received and loss, on the direct path and on
#     the relay (connect --relay-only), against plain iperf3 -u through the same two NATs (a port forward on A's
#     router, as bench/direct.sh does for TCP), in the same run;
#   - the round-trip time of small datagrams (64 bytes, one at a time, every 5 ms), p50/p99, through the tunnel
#     (direct and relay) against plain UDP between the same two hosts.
# iperf3 sends 1200-byte datagrams (-l 1200): under the 1317 bytes a session that may go direct carries (docs/udp.md,
# "Sizes"); iperf3's default (its TCP MSS, ~1448) would be dropped as too large.
#
#   bench/udp.sh [SECONDS] [RATES] [PINGS]   (default 5 s per rate; "10 50 200 500" Mbit/s; 2000 pings; markdown table)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-5}"
rates="${2:-10 50 200 500}"
pings="${3:-2000}"
[ "$(id -u)" = 0 ] || { echo "bench/udp.sh: needs root (network namespaces)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench/udp.sh: needs iperf3 (apt-get install -y iperf3)" >&2; exit 2; }
export PINHOLE_LAB="phudp$$"
natlab="$root/lab/natlab"
work="$(mktemp -d)"
cleanup() { "$natlab" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

"$root/bin/peer" --version >/dev/null   # builds on first use
wait_for() { for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "bench: '$2' never appeared in $1" >&2; cat "$1" >&2; exit 1; }

# A UDP echo (serve PORT) and a one-at-a-time pinger (ping HOST PORT COUNT) printing "p50 p99" in ms; a lost ping
# waits 1 s and counts as 1000 ms, so loss shows in p99 rather than vanishing.
cat >"$work/udping.py" <<'EOF'
import socket, sys, time
if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(sys.argv[2])))
    while True:
        data, peer = s.recvfrom(65536); s.sendto(data, peer)
host, port, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1.0)
payload = bytes(64); rtts = []; lost = 0; start = time.monotonic()
for i in range(count):
    due = start + i * 0.005
    now = time.monotonic()
    if due > now: time.sleep(due - now)
    msg = i.to_bytes(4, "big") + payload[4:]
    t0 = time.perf_counter(); s.sendto(msg, (host, port))
    try:
        while True:
            data, _ = s.recvfrom(2048)
            if data == msg: break
        rtts.append((time.perf_counter() - t0) * 1000)
    except socket.timeout:
        lost += 1; rtts.append(1000.0)
rtts.sort()
print("%.3f %.3f %d" % (rtts[len(rtts) // 2], rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))], lost))
EOF

"$natlab" up port-restricted port-restricted >/dev/null
"$natlab" exec server "$root/bin/rendezvous" --data-dir "$work/rv" --bind 203.0.113.10 --port 7000 \
  --public-host 203.0.113.10 --no-dashboard >"$work/rv.out" 2>&1 &
for _ in $(seq 1 150); do [ -s "$work/rv/join-code" ] && break; sleep 0.1; done
join=$(cat "$work/rv/join-code")

# Site A: iperf3 (TCP control and UDP data on 5201) and the echo (7777), each exposed under a name.
"$natlab" exec site-a python3 "$work/udping.py" serve 7777 >/dev/null 2>&1 &
"$natlab" exec site-a "$root/bin/peer" expose 5201 --tcp --udp --name iperf --home "$work/a" --server "$join" --json >"$work/expose-iperf.out" 2>&1 &
wait_for "$work/expose-iperf.out" '"exposed"'
"$natlab" exec site-a "$root/bin/peer" expose 7777 --udp --name echo --home "$work/a" --server "$join" --json >"$work/expose-echo.out" 2>&1 &
wait_for "$work/expose-echo.out" '"exposed"'

# Site B: for each path, iperf3's TCP and UDP on one listen port (a TCP and a UDP connect never clash), and the echo.
connect() { # LOG NAME LISTEN FLAGS...
  local log="$1" name="$2" listen="$3"; shift 3
  "$natlab" exec site-b "$root/bin/peer" connect "$name" --listen "$listen" --home "$work/b" --server "$join" --json "$@" >"$log" 2>&1 &
  wait_for "$log" '"ready"'
}
connect "$work/c-direct-tcp.out" iperf 127.0.0.1:9201
connect "$work/c-direct-udp.out" iperf 127.0.0.1:9201 --udp
connect "$work/c-direct-echo.out" echo 127.0.0.1:9777 --udp
connect "$work/c-relay-tcp.out" iperf 127.0.0.1:9301 --relay-only
connect "$work/c-relay-udp.out" iperf 127.0.0.1:9301 --udp --relay-only
connect "$work/c-relay-echo.out" echo 127.0.0.1:9877 --udp --relay-only
for log in c-direct-udp c-direct-echo; do wait_for "$work/$log.out" '"path":"direct"'; done

# Reference: A's router forwards TCP and UDP 5201 and UDP 7777 to A's host, as a user would.
"$natlab" exec nat-a nft add table ip bench_fwd
"$natlab" exec nat-a nft 'add chain ip bench_fwd pre { type nat hook prerouting priority dstnat; }'
"$natlab" exec nat-a nft 'add rule ip bench_fwd pre iifname "wan" meta l4proto { tcp, udp } th dport { 5201, 7777 } dnat to 198.19.1.2'

# iperf3 -u: HOST PORT MBITS -> "Mbit/s received, loss %". The server (-1) serves one test and exits; one left behind
# by a failed test is killed with the lab.
udp_run() {
  "$natlab" exec site-a iperf3 -s -D -1 >/dev/null 2>&1 || true; sleep 0.3
  "$natlab" exec site-b timeout $((seconds + 20)) iperf3 -c "$1" -p "$2" -u -b "${3}M" -l 1200 -t "$seconds" -J 2>/dev/null \
    | python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)["end"]["sum_received"]; print("%.1f %.2f" % (r["bits_per_second"] / 1e6, r["lost_percent"]))
except Exception:
    print("fail fail")'
}

echo "| offered Mbit/s | plain UDP: Mbit/s, loss % | tunnel direct: Mbit/s, loss % | direct / plain | tunnel relay (--relay-only): Mbit/s, loss % | relay / plain |"
echo "|---|---|---|---|---|---|"
for rate in $rates; do
  read -r p_bw p_loss < <(udp_run 198.18.1.2 5201 "$rate")
  read -r d_bw d_loss < <(udp_run 127.0.0.1 9201 "$rate")
  read -r r_bw r_loss < <(udp_run 127.0.0.1 9301 "$rate")
  ratio() { python3 -c "import sys; a,b=sys.argv[1],sys.argv[2]; print('%.2f' % (float(a)/float(b)) if a!='fail' and b!='fail' and float(b)>0 else '-')" "$1" "$2"; }
  echo "| $rate | $p_bw, $p_loss | $d_bw, $d_loss | $(ratio "$d_bw" "$p_bw") | $r_bw, $r_loss | $(ratio "$r_bw" "$p_bw") |"
done
echo
echo "| 64-byte datagrams, one at a time every 5 ms ($pings) | p50 ms | p99 ms | lost |"
echo "|---|---|---|---|"
for row in "plain UDP through the same NATs (port forward on A)|198.18.1.2 7777" "tunnel, direct path|127.0.0.1 9777" \
           "tunnel, relay (--relay-only)|127.0.0.1 9877"; do
  read -r host port <<<"${row#*|}"
  read -r p50 p99 lost < <("$natlab" exec site-b python3 "$work/udping.py" ping "$host" "$port" "$pings")
  echo "| ${row%%|*} | $p50 | $p99 | $lost |"
done
grep -q '"path":"relay"' <(grep '"event":"path"' "$work/c-direct-udp.out" | tail -1) && { echo "bench: the direct session fell back to the relay" >&2; exit 1; }
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
