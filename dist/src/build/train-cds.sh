#!/usr/bin/env bash
# Makes the peer's class-data-sharing archive at package time (docs/operations.md, "Start-up and memory"): writes
# TREE/lib/classpath (the jars in a fixed order, which the launcher passes and the archive records), then runs the
# tree's own bin/peer as a user does, `peer up` with three tunnels against the tree's rendezvous on loopback, with
# -XX:ArchiveClassesAtExit, and stops it once every tunnel is ready: the JVM writes the classes it loaded to JSA.
#
#   train-cds.sh TREE JAVA_HOME JSA
#
# With JAVA_HOME's java the launcher's choice (no TREE/runtime), the archive fits that runtime only; the self-contained
# archive gets its own, made with its runtime linked in as TREE/runtime for the run.
set -euo pipefail
tree=$1; java_home=$2; jsa=$3
# A JVM took up to 23 s to start and log in on a loaded 2-core machine; two minutes means something is wrong.
ready_timeout_s=120
work=$(mktemp -d "${TMPDIR:-/tmp}/pinhole-cds.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$tree/lib" && LC_ALL=C ls -1 -- *.jar) >"$tree/lib/classpath"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {   # FILE PATTERN COUNT
  local deadline=$((SECONDS + ready_timeout_s)) seen
  while seen=$(grep -cE "$2" "$1" 2>/dev/null) || true; [ "${seen:-0}" -lt "$3" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "train-cds: no '$2' in $1 after $ready_timeout_s s:" >&2; cat "$1" >&2; exit 1
    fi
    sleep 0.1
  done
}

export JAVA_HOME=$java_home
unset PINHOLE_JAVA_OPTS
port=$(free_port)
"$tree/bin/rendezvous" --data-dir "$work/rv" --bind 127.0.0.1 --port "$port" --public-host 127.0.0.1 \
  --stun-port 0 --no-dashboard >"$work/rendezvous.out" 2>&1 &
pids+=($!)
wait_for "$work/rendezvous.out" 'rendezvous listening on' 1
cat >"$work/pinhole.toml" <<TOML
[[expose]]
name = "web"
port = $(free_port)

[[expose]]
name = "ssh"
port = $(free_port)

[[connect]]
name = "web"
listen = "127.0.0.1:$(free_port)"
TOML
rm -f "$jsa"
PINHOLE_JAVA_OPTS="-XX:ArchiveClassesAtExit=$jsa" "$tree/bin/peer" up --config "$work/pinhole.toml" \
  --home "$work/home" --server "$(cat "$work/rv/join-code")" --json >"$work/up.out" 2>&1 &
up=$!
pids+=("$up")
wait_for "$work/up.out" '"event":"(exposed|ready)"' 3
kill -TERM "$up"
wait "$up" || true
[ -s "$jsa" ] || { echo "train-cds: $jsa was not written:" >&2; cat "$work/up.out" >&2; exit 1; }
echo "train-cds: $jsa ($(($(stat -c %s "$jsa") / 1048576)) MB) from $(grep -c . "$tree/lib/classpath") jars"
