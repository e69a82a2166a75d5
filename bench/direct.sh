#!/usr/bin/env bash
# Direct-path benchmark (docs/benchmarks.md, "Direct path"), in one go in the NAT lab (port-restricted NAT on
# both sides; needs root, iproute2, nftables, iperf3, sshd and ssh). All in the same run, so ratios are fair
# on a shared machine:
#   - plain TCP through the same two NATs (iperf3, a port forward on A's router, no encryption);
#   - ssh -R through the server namespace (a throwaway sshd with a generated host key, on a lab address);
#   - pinhole relay-only (peer connect --relay-only) and pinhole direct (warm: a running peer; cold: the first
#     64 MiB of a fresh peer connect process), with CPU seconds per GiB of both pinhole ends (utime+stime);
#   - first byte of a new connection through a connected peer, and the time from the session opening to the
#     direct path for easy/easy and hard/easy (symmetric connector) pairs.
#
#   bench/direct.sh [BYTES] [RUNS]     (default 512 MiB, 3 runs, medians; prints a markdown table)
#   PINHOLE_BENCH_SKIP_TIME_TO_DIRECT=1 skips the time-to-direct part.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bytes="${1:-536870912}"
runs="${2:-3}"
cold_bytes=$((64 * 1024 * 1024))
[ "$(id -u)" = 0 ] || { echo "bench/direct.sh: needs root (network namespaces)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench/direct.sh: needs iperf3 (apt-get install -y iperf3)" >&2; exit 2; }
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null || { echo "bench/direct.sh: needs sshd and ssh (apt-get install -y openssh-server openssh-client)" >&2; exit 2; }
export PINHOLE_LAB="phbench$$"
natlab="$root/lab/natlab"
work="$(mktemp -d)"
cleanup() { "$natlab" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

"$root/bin/peer" --version >/dev/null   # builds on first use
cp="$root/bench/target/classes"
peer="${PINHOLE_BENCH_PEER:-$root/bin/peer}"   # another build of the peer, for before/after runs
median() { python3 -c 'import sys,statistics; print("%.2f" % statistics.median(float(x) for x in sys.stdin.read().split()))'; }
wait_for() { for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "bench: '$2' never appeared in $1" >&2; cat "$1" >&2; exit 1; }
java_pid() { for _ in $(seq 1 50); do pgrep -f "^java.*$1" | head -1 && return 0; sleep 0.1; done; echo "bench: no process '$1'" >&2; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# start_tunnel TYPE_A TYPE_B: lab, rendezvous, Blast source + expose in site A
start_tunnel() {
  "$natlab" down >/dev/null 2>&1 || true
  rm -rf "${work:?}"/*
  "$natlab" up "$1" "$2" >/dev/null
  "$natlab" exec server "$root/bin/rendezvous" --data-dir "$work/rv" --bind 203.0.113.10 --port 7000 \
    --public-host 203.0.113.10 --no-dashboard >"$work/rv.out" 2>&1 &
  for _ in $(seq 1 150); do [ -s "$work/rv/join-code" ] && break; sleep 0.1; done
  join=$(cat "$work/rv/join-code")
  "$natlab" exec site-a java -cp "$cp" dev.pinhole.bench.Blast serve 9000 >/dev/null 2>&1 &
  "$natlab" exec site-a "$peer" expose 9000 --name bench --home "$work/a" --server "$join" --json >"$work/expose.out" 2>&1 &
  wait_for "$work/expose.out" '"exposed"'
  expose_pid=$(java_pid "expose 9000 --name bench --home $work/a")
}
connect() { # connect LOG PORT HOME [ARGS]: runs peer connect in site B listening on 127.0.0.1:PORT, waits until ready
  local log="$1" port="$2" home="$3"; shift 3
  "$natlab" exec site-b "$peer" connect bench --listen "127.0.0.1:$port" --home "$home" --server "$join" --json "$@" >"$log" 2>&1 &
  wait_for "$log" '"ready"'
}
direct_after() { # LOG -> ms from session open to the direct path
  wait_for "$1" '"path":"direct"'
  grep '"path":"direct"' "$1" | head -1 | sed 's/.*"elapsed_ms":\([0-9.]*\).*/\1/'
}
blast() { "$natlab" exec site-b timeout 300 java -cp "$cp" dev.pinhole.bench.Blast fetch "$1" "$2" "$3"; }
# measure HOST PORT BYTES [PID_A PID_B] -> one line per run: Gbit/s, first byte ms, CPU s/GiB of A and of B
measure() {
  local host="$1" port="$2" n="$3" a="${4:-}" b="${5:-}" a0=0 b0=0 a1=0 b1=0 out
  [ -z "$a" ] || { a0=$(ticks "$a"); b0=$(ticks "$b"); }
  out=$(blast "$host" "$port" "$n")
  [ -z "$a" ] || { a1=$(ticks "$a"); b1=$(ticks "$b"); }
  python3 -c "import json,sys; r=json.loads(sys.argv[1]); g=$n/2**30
print('%.3f %.2f %.2f %.2f' % (r['gbit_per_s'], r['first_byte_ms'], ($a1-$a0)/$hz/g, ($b1-$b0)/$hz/g))" "$out"
}
col() { awk -v c="$1" '{print $c}' | median; }

start_tunnel port-restricted port-restricted

# Cold: the first 64 MiB of a fresh peer connect process (the exposer is a running service), once per run.
for i in $(seq 1 "$runs"); do
  connect "$work/cold-$i.out" 9102 "$work/cold-$i"
  direct_after "$work/cold-$i.out" >/dev/null
  cold_pid=$(java_pid "connect bench --listen 127.0.0.1:9102 --home $work/cold-$i")
  measure 127.0.0.1 9102 "$cold_bytes" "$expose_pid" "$cold_pid"
  kill "$cold_pid" || true
  sleep 0.5
done >"$work/cold.txt"

# Warm direct: a connected peer, after a warm-up (C1/C2 compile the hot loops; a running peer is always warm).
connect "$work/connect.out" 9100 "$work/b"
direct_after "$work/connect.out" >/dev/null
connect_pid=$(java_pid "connect bench --listen 127.0.0.1:9100 --home $work/b")
for _ in 1 2; do blast 127.0.0.1 9100 "$bytes" >/dev/null; done
for _ in $(seq 1 "$runs"); do measure 127.0.0.1 9100 "$bytes" "$expose_pid" "$connect_pid"; done >"$work/direct.txt"
grep -q '"path":"relay"' <(grep '"event":"path"' "$work/connect.out" | tail -1) && { echo "bench: the session left the direct path" >&2; exit 1; }

# Relay-only: a second connector in site B whose session stays on the rendezvous relay.
connect "$work/relay.out" 9101 "$work/r" --relay-only
relay_pid=$(java_pid "connect bench --listen 127.0.0.1:9101 --home $work/r")
for _ in 1 2; do blast 127.0.0.1 9101 "$bytes" >/dev/null; done
for _ in $(seq 1 "$runs"); do measure 127.0.0.1 9101 "$bytes" "$expose_pid" "$relay_pid"; done >"$work/relay.txt"
kill "$relay_pid" || true

# ssh -R through the server: a throwaway sshd in the server namespace (generated keys in $work, no system
# config read: -f /dev/null), A forwards 203.0.113.10:9200 to its Blast source, B fetches from there.
mkdir -p /run/sshd "$work/ssh"; chmod 700 "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host" && ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/user"
cp "$work/ssh/user.pub" "$work/ssh/authorized_keys"
"$natlab" exec server /usr/sbin/sshd -D -f /dev/null -o Port=2222 -o ListenAddress=203.0.113.10 -o "HostKey=$work/ssh/host" \
  -o "AuthorizedKeysFile=$work/ssh/authorized_keys" -o StrictModes=no -o UsePAM=no -o "PidFile=$work/ssh/pid" \
  -o PermitRootLogin=prohibit-password -o GatewayPorts=clientspecified >"$work/sshd.out" 2>&1 &
sleep 0.5
"$natlab" exec site-a ssh -N -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o ExitOnForwardFailure=yes -i "$work/ssh/user" -p 2222 -R "203.0.113.10:9200:127.0.0.1:9000" "$(id -un)@203.0.113.10" &
for _ in $(seq 1 100); do "$natlab" exec server ss -Hltn 'sport = :9200' | grep -q 9200 && break; sleep 0.1; done
cipher=$(ssh -G 203.0.113.10 2>/dev/null | awk '/^ciphers /{split($2,a,","); print a[1]}')
blast 203.0.113.10 9200 "$bytes" >/dev/null
for _ in $(seq 1 "$runs"); do measure 203.0.113.10 9200 "$bytes"; done >"$work/ssh.txt"

# Plain TCP: iperf3 through the same two NATs (A's router forwards 5201 to A's host, as a user would).
"$natlab" exec nat-a nft add table ip bench_fwd
"$natlab" exec nat-a nft 'add chain ip bench_fwd pre { type nat hook prerouting priority dstnat; }'
"$natlab" exec nat-a nft 'add rule ip bench_fwd pre iifname "wan" tcp dport 5201 dnat to 198.19.1.2'
tcp=$(for _ in $(seq 1 "$runs"); do
  "$natlab" exec site-a iperf3 -s -D -1 >/dev/null 2>&1 || true; sleep 0.3
  "$natlab" exec site-b iperf3 -c 198.18.1.2 -t 5 -J | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)'
done | median)

direct=$(col 1 <"$work/direct.txt"); relay=$(col 1 <"$work/relay.txt"); ssh=$(col 1 <"$work/ssh.txt"); cold=$(col 1 <"$work/cold.txt")
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
echo "| path (port-restricted NAT on both sides), median of $runs | Gbit/s | / ssh -R | CPU s/GiB exposer | CPU s/GiB connector |"
echo "|---|---|---|---|---|"
echo "| plain TCP through the NATs (iperf3, no encryption) | $tcp | $(ratio "$tcp" "$ssh") | | |"
echo "| ssh -R through the server ($cipher) | $ssh | 1.00 | | |"
echo "| pinhole relay-only ($((bytes / 1048576)) MiB per run) | $relay | $(ratio "$relay" "$ssh") | $(col 3 <"$work/relay.txt") | $(col 4 <"$work/relay.txt") |"
echo "| pinhole direct, warm ($((bytes / 1048576)) MiB per run) | $direct | $(ratio "$direct" "$ssh") | $(col 3 <"$work/direct.txt") | $(col 4 <"$work/direct.txt") |"
echo "| pinhole direct, cold (first 64 MiB of a fresh peer connect) | $cold | $(ratio "$cold" "$ssh") | $(col 3 <"$work/cold.txt") | $(col 4 <"$work/cold.txt") |"
echo
echo "direct / relay-only: $(ratio "$direct" "$relay"); direct / plain TCP: $(ratio "$direct" "$tcp"); cold / warm direct: $(ratio "$cold" "$direct")"
echo "first byte of a new connection through a connected peer, direct path: $(col 2 <"$work/direct.txt") ms (median)"

[ -n "${PINHOLE_BENCH_SKIP_TIME_TO_DIRECT:-}" ] && exit 0
# Time to direct: a fresh connect process (a new session) per run.
time_to_direct() { # TYPE_A TYPE_B -> median ms
  start_tunnel "$1" "$2"
  for i in $(seq 1 "$runs"); do
    connect "$work/connect-$i.out" 9100 "$work/b"
    direct_after "$work/connect-$i.out"
    kill "$(java_pid "connect bench --listen 127.0.0.1:9100 --home $work/b")" || true
    sleep 0.5
  done | median
}
easy_ms=$(time_to_direct port-restricted port-restricted)
hard_ms=$(time_to_direct port-restricted symmetric)
echo "session open -> direct path, median of $runs: easy/easy (port-restricted both) ${easy_ms} ms; hard/easy (symmetric connector) ${hard_ms} ms"
