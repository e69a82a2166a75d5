#!/usr/bin/env bash
# HTTP ingress benchmark (docs/benchmarks.md, "HTTP ingress"): requests per second with keep-alive, latency
# percentiles and download throughput of a service published with `peer expose --http`, reached by name
# through the rendezvous, against the same service fetched directly in the same run. Loopback only; every run
# is bounded in requests and seconds.
#
#   bench/ingress.sh [CONNECTIONS] [SECONDS] [BYTES]   (default 16 connections, 10 s, 1 GiB; prints a markdown table)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
connections="${1:-16}"
seconds="${2:-10}"
bytes="${3:-1073741824}"
max_requests=2000000
work="$(mktemp -d /tmp/pinhole-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "bench: port $1 never opened" >&2; exit 1; }

"$root/bin/peer" --version >/dev/null   # builds on first use
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath" 2>/dev/null || true)"
if [ ! -s "$root/bench/target/classpath" ]; then
  (cd "$root" && ./mvnw -q -o -pl bench dependency:build-classpath -Dmdep.outputFile=target/classpath >/dev/null)
  cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath")"
fi
load() { timeout $(( ${seconds%.*} * 3 + 60 )) java -cp "$cp" dev.pinhole.bench.HttpLoad "$@"; }

svc=$(free_port); java -cp "$cp" dev.pinhole.bench.HttpService "$svc" & pids+=($!); wait_port "$svc"

rvport=$(free_port); http=$(free_port)
"$root/bin/rendezvous" --data-dir "$work/rv" --bind 127.0.0.1 --port "$rvport" --public-host 127.0.0.1 --stun-port 0 \
  --no-dashboard --domain bench.test --http-port "$http" --https-port off >"$work/rv.out" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do [ -s "$work/rv/join-code" ] && break; sleep 0.1; done
join=$(cat "$work/rv/join-code")
"$root/bin/peer" expose "$svc" --name web --http --home "$work/a" --server "$join" --json >"$work/expose.out" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do grep -q '"published"' "$work/expose.out" && break; sleep 0.1; done
grep -q '"published"' "$work/expose.out" || { cat "$work/expose.out" >&2; exit 1; }

rps() { # port -> JSON of the measured run, after a warm-up of the same length
  load rps 127.0.0.1 "$1" web.bench.test "$connections" "$max_requests" "$seconds" >/dev/null
  load rps 127.0.0.1 "$1" web.bench.test "$connections" "$max_requests" "$seconds"
}
direct_rps=$(rps "$svc")
ingress_rps=$(rps "$http")
dl() { # port -> median Gbit/s of 3 downloads after 2 warm-ups
  for _ in 1 2; do load download 127.0.0.1 "$1" web.bench.test "$bytes" >/dev/null; done
  for _ in 1 2 3; do load download 127.0.0.1 "$1" web.bench.test "$bytes"; done | python3 -c '
import json,sys,statistics
print("%.2f" % statistics.median(json.loads(l)["gbit_per_s"] for l in sys.stdin))'
}
direct_dl=$(dl "$svc")
ingress_dl=$(dl "$http")

python3 - "$direct_rps" "$ingress_rps" "$direct_dl" "$ingress_dl" "$connections" "$seconds" "$bytes" <<'PY'
import json, sys
d, i = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ddl, idl = float(sys.argv[3]), float(sys.argv[4])
conns, secs, size = sys.argv[5], sys.argv[6], int(sys.argv[7])
print(f"| path | req/s ({conns} keep-alive connections, {secs} s) | p50 ms | p99 ms | errors | download Gbit/s (median of 3 x {size // 1048576} MiB) |")
print("|---|---|---|---|---|---|")
for name, r, g in (("service directly", d, ddl), ("pinhole HTTP ingress", i, idl)):
    print(f"| {name} | {r['req_per_s']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {g:.2f} |")
print()
print(f"ingress / direct: requests per second {i['req_per_s'] / d['req_per_s']:.2f}, throughput {idl / ddl:.2f}")
PY
