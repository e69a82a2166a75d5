#!/usr/bin/env bash
# Relay-path benchmark (docs/benchmarks.md, "Relay path"): throughput and time to first byte through
# `peer connect` -> rendezvous relay -> `peer expose`, against `ssh -R` through a local sshd measured in the
# same run, and the raw loopback socket as the ceiling. Loopback only; every transfer is bounded in size and
# time.
#
#   bench/relay.sh [BYTES] [RUNS]      (default 1 GiB, 3 runs; prints a markdown table)
#
# Needs: openssh-server (sshd) and openssh-client; installs them with apt-get when run as root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bytes="${1:-1073741824}"
runs="${2:-3}"
work="$(mktemp -d /tmp/pinhole-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v /usr/sbin/sshd >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "bench: needs sshd (apt-get install openssh-server)" >&2; exit 2; }
  apt-get install -y -qq openssh-server >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "bench: port $1 never opened" >&2; exit 1; }

"$root/bin/peer" --version >/dev/null   # builds on first use
cp="$root/bench/target/classes"
blast() { timeout 120 java -cp "$cp" dev.pinhole.bench.Blast "$@"; }

src=$(free_port); java -cp "$cp" dev.pinhole.bench.Blast serve "$src" & pids+=($!); wait_port "$src"

# Reference: ssh -R through a local sshd (temporary keys, loopback only).
mkdir -p /run/sshd "$work/ssh"; chmod 700 "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host" && ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/user"
cp "$work/ssh/user.pub" "$work/ssh/authorized_keys"
sshport=$(free_port); rport=$(free_port)
/usr/sbin/sshd -D -f /dev/null -o "Port=$sshport" -o ListenAddress=127.0.0.1 -o "HostKey=$work/ssh/host" \
  -o "AuthorizedKeysFile=$work/ssh/authorized_keys" -o StrictModes=no -o UsePAM=no -o "PidFile=$work/ssh/pid" \
  -o PermitRootLogin=prohibit-password & pids+=($!)
wait_port "$sshport"
ssh -N -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -i "$work/ssh/user" -p "$sshport" -R "127.0.0.1:$rport:127.0.0.1:$src" "$(id -un)@127.0.0.1" & pids+=($!)
wait_port "$rport"
cipher=$(ssh -G -p "$sshport" 127.0.0.1 2>/dev/null | awk '/^ciphers /{split($2,a,","); print a[1]}')

# Pinhole: rendezvous, expose, connect (real processes, as a user runs them).
rvport=$(free_port); lport=$(free_port)
"$root/bin/rendezvous" --data-dir "$work/rv" --bind 127.0.0.1 --port "$rvport" --public-host 127.0.0.1 --stun-port 0 --no-dashboard >"$work/rv.out" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do [ -s "$work/rv/join-code" ] && break; sleep 0.1; done
join=$(cat "$work/rv/join-code")
"$root/bin/peer" expose "$src" --name bench --home "$work/a" --server "$join" --json >"$work/expose.out" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do grep -q '"exposed"' "$work/expose.out" && break; sleep 0.1; done
t0=$(date +%s%N)
"$root/bin/peer" connect bench --relay-only --listen "$lport" --home "$work/b" --server "$join" --json >"$work/connect.out" 2>&1 & pids+=($!)
wait_port "$lport"
first=$(java -cp "$cp" dev.pinhole.bench.Blast fetch 127.0.0.1 "$lport" 1 | sed 's/.*"first_byte_ms":\([0-9.]*\).*/\1/')
t1=$(date +%s%N)
cold_ms=$(( (t1 - t0) / 1000000 ))

measure() { # name port -> median gbit/s and first-byte ms over $runs
  local results=()
  # Warm-up: the JVMs on the pinhole path need a few GiB before C2 has compiled the hot loops
  # (a long-running peer is always warm); the same warm-up is given to every path.
  for _ in 1 2 3; do blast fetch 127.0.0.1 "$2" $((1024 * 1024 * 1024)) >/dev/null; done
  for _ in $(seq 1 "$runs"); do results+=("$(blast fetch 127.0.0.1 "$2" "$bytes")"); done
  printf '%s\n' "${results[@]}" | python3 -c '
import json,sys,statistics
rows=[json.loads(l) for l in sys.stdin]
print("%.2f %.2f" % (statistics.median(r["gbit_per_s"] for r in rows), statistics.median(r["first_byte_ms"] for r in rows)))'
}
read -r raw_g raw_f < <(measure raw "$src")
read -r ssh_g ssh_f < <(measure ssh "$rport")
read -r ph_g ph_f < <(measure pinhole "$lport")
ratio=$(python3 -c "print('%.2f' % ($ph_g / $ssh_g))")

echo "| path | Gbit/s (median of $runs x $((bytes / 1048576)) MiB) | first byte, warm (ms) |"
echo "|---|---|---|"
echo "| raw loopback socket | $raw_g | $raw_f |"
echo "| ssh -R ($cipher) | $ssh_g | $ssh_f |"
echo "| pinhole relay | $ph_g | $ph_f |"
echo
echo "pinhole / ssh -R throughput: $ratio"
echo "fresh \`peer connect\` process: ${cold_ms} ms from launch (JVM start, login, session, listen) to the first byte of its first connections;"
echo "first byte of a new connection through a connected peer (after its second new connection): ${first} ms"
