#!/usr/bin/env bash
# Footprint benchmark (docs/benchmarks.md, "Footprint"): resident memory (VmRSS) and threads of `rendezvous`,
# `peer expose` and `peer connect` when ready and after 10 s idle, the time from launching each to its "ready"
# line, and the rendezvous' RSS with 1,000 idle peers logged in over real TLS (bench/…/IdlePeers, from 20
# addresses 127.0.0.2-21). Loopback only; every process is bounded in time and killed at the end.
#
#   bench/footprint.sh [RUNS] [PREVIOUS_COMMIT]   (default 3 runs; prints a markdown table, medians)
#
# With PREVIOUS_COMMIT, that commit is exported (git archive) to a temporary directory, built there, and measured in
# the same run, one run of each after the other: the table then has both columns and their ratio.
# FOOTPRINT_PEERS=N logs N idle peers in instead of 1,000 (0 leaves that part out).
# FOOTPRINT_BIN=DIR measures the launchers in DIR (e.g. an unpacked release archive's bin/) instead of bin/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-3}"
previous="${2:-}"
work="$(mktemp -d /tmp/pinhole-footprint.XXXXXX)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

"$root/bin/peer" --version >/dev/null   # builds on first use
# The protocol classes of this tree first: bench/target/lib may hold an older copy of its jar.
load_cp="$root/protocol/target/classes:$root/bench/target/classes:$root/bench/target/lib/*"
this_bin="${FOOTPRINT_BIN:-$root/bin}"
bins=("$this_bin")
if [ -n "$previous" ]; then
  mkdir -p "$work/previous"
  git -C "$root" archive "$previous" | tar -x -C "$work/previous"
  "$work/previous/bin/peer" --version >/dev/null 2>&1 || { echo "bench: $previous does not build" >&2; exit 1; }
  bins=("$work/previous/bin" "$this_bin")
fi

cat >"$work/measure.py" <<'EOF'
import json, os, re, signal, socket, statistics, subprocess, sys, threading, time

work, load_cp, runs, peers, bins = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
READY_TIMEOUT = 60   # seconds: a loaded 2-core VM takes a few; a minute means something is wrong

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def cpu_s(pid):
    """User + system CPU time so far: start-up cost that, unlike wall time, other load on the machine barely moves."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) / 1024.0, int(fields["Threads"])

class Proc:
    """A launched command whose output is watched for its ready line (time from launch, monotonic clock)."""
    def __init__(self, argv, ready, log):
        self.ready_event = threading.Event()
        self.lines = []
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.ready_s = None
        def pump():
            with open(log, "w") as out:
                for line in self.p.stdout:
                    out.write(line); out.flush()
                    self.lines.append(line)
                    if self.ready_s is None and re.search(ready, line):
                        self.ready_s = time.monotonic() - self.t0
                        self.ready_event.set()
        threading.Thread(target=pump, daemon=True).start()
    def wait_ready(self, what):
        if not self.ready_event.wait(READY_TIMEOUT):
            sys.exit(f"bench: {what} never printed its ready line:\n" + "".join(self.lines[-20:]))
        return self.ready_s
    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill(); self.p.wait()

def one_run(bin_dir, run_dir):
    os.makedirs(run_dir)
    r = {}
    procs = []
    try:
        port, target, listen = free_port(), free_port(), free_port()
        rv = Proc([f"{bin_dir}/rendezvous", "--data-dir", f"{run_dir}/rv", "--bind", "127.0.0.1", "--port", str(port),
                   "--public-host", "127.0.0.1", "--stun-port", "0", "--no-dashboard"], r"rendezvous listening on",
                  f"{run_dir}/rv.out")
        procs.append(rv)
        r["rendezvous_ready_s"] = rv.wait_ready("rendezvous")
        r["rendezvous_ready_mb"], _ = status(rv.p.pid)
        r["rendezvous_ready_cpu_s"] = cpu_s(rv.p.pid)
        join = open(f"{run_dir}/rv/join-code").read().strip()
        ex = Proc([f"{bin_dir}/peer", "expose", str(target), "--name", "fp", "--home", f"{run_dir}/a", "--server", join,
                   "--json"], r'"event":"exposed"', f"{run_dir}/expose.out")
        procs.append(ex)
        r["expose_ready_s"] = ex.wait_ready("peer expose")
        r["expose_ready_mb"], _ = status(ex.p.pid)
        r["expose_ready_cpu_s"] = cpu_s(ex.p.pid)
        co = Proc([f"{bin_dir}/peer", "connect", "fp", "--listen", f"127.0.0.1:{listen}", "--home", f"{run_dir}/b",
                   "--server", join, "--json"], r'"event":"ready"', f"{run_dir}/connect.out")
        procs.append(co)
        r["connect_ready_s"] = co.wait_ready("peer connect")
        r["connect_ready_mb"], _ = status(co.p.pid)
        r["connect_ready_cpu_s"] = cpu_s(co.p.pid)
        time.sleep(10)   # idle: what a service left running looks like after its start-up
        for name, proc in (("rendezvous", rv), ("expose", ex), ("connect", co)):
            r[f"{name}_idle_mb"], r[f"{name}_threads"] = status(proc.p.pid)
        if peers == 0:
            return r
        load = Proc(["timeout", "120", "java", "-cp", load_cp, "dev.pinhole.bench.IdlePeers", join, str(peers), "20", "40"],
                    r'"logged_in"', f"{run_dir}/load.out")
        procs.append(load)
        load.wait_ready("IdlePeers")
        report = json.loads([l for l in load.lines if '"logged_in"' in l][0])
        r["peers_logged_in"] = report["logged_in"]
        r["peers_login_s"] = report["login_ms"] / 1000
        r["rendezvous_1000_mb"], _ = status(rv.p.pid)
        time.sleep(10)
        r["rendezvous_1000_idle_mb"], r["rendezvous_1000_threads"] = status(rv.p.pid)
    finally:
        for proc in reversed(procs):
            proc.stop()
    return r

results = {b: [] for b in bins}
for i in range(runs):
    for k, b in enumerate(bins):   # alternated, so that load from elsewhere hits both alike
        results[b].append(one_run(b, f"{work}/run-{i}-{k}"))
medians = {b: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for b, rs in results.items()}
json.dump({"runs": runs, "bins": bins, "medians": medians, "all": results}, sys.stdout)
EOF

python3 "$work/measure.py" "$work" "$load_cp" "$runs" "${FOOTPRINT_PEERS:-1000}" "${bins[@]}" >"$work/result.json"
python3 - "$work/result.json" "$runs" "$previous" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1])); runs = sys.argv[2]; previous = sys.argv[3]
m = [data["medians"][b] for b in data["bins"]]
rows = [
    ("`rendezvous`: launch → listening (s)", "rendezvous_ready_s", "%.2f"),
    ("`rendezvous`: CPU time to listening (s)", "rendezvous_ready_cpu_s", "%.2f"),
    ("`rendezvous`: RSS when ready / after 10 s idle (MB)", ("rendezvous_ready_mb", "rendezvous_idle_mb"), "%.0f"),
    ("`rendezvous`: threads, idle", "rendezvous_threads", "%d"),
    ("`rendezvous` with 1,000 idle peers: RSS when logged in / 10 s later (MB)",
     ("rendezvous_1000_mb", "rendezvous_1000_idle_mb"), "%.0f"),
    ("`rendezvous` with 1,000 idle peers: threads", "rendezvous_1000_threads", "%d"),
    ("1,000 logins over TLS (s)", "peers_login_s", "%.1f"),
    ("`peer expose`: launch → exposed (s)", "expose_ready_s", "%.2f"),
    ("`peer expose`: CPU time to exposed (s)", "expose_ready_cpu_s", "%.2f"),
    ("`peer expose`: RSS when ready / after 10 s idle (MB)", ("expose_ready_mb", "expose_idle_mb"), "%.0f"),
    ("`peer expose`: threads, idle", "expose_threads", "%d"),
    ("`peer connect`: launch → ready (s)", "connect_ready_s", "%.2f"),
    ("`peer connect`: CPU time to ready (s)", "connect_ready_cpu_s", "%.2f"),
    ("`peer connect`: RSS when ready / after 10 s idle (MB)", ("connect_ready_mb", "connect_idle_mb"), "%.0f"),
    ("`peer connect`: threads, idle", "connect_threads", "%d"),
]
rows = [row for row in rows if all(k in m[0] for k in (row[1] if isinstance(row[1], tuple) else (row[1],)))]
def cell(med, key, fmt):
    if isinstance(key, tuple):
        return " / ".join(fmt % med[k] for k in key)
    return fmt % med[key]
def ratio(a, b, key):
    key = key[-1] if isinstance(key, tuple) else key
    return "%.2f" % (b[key] / a[key]) if a[key] else "-"
if len(m) == 2:
    print(f"| median of {runs} runs | previous build ({previous}) | this tree | ratio |")
    print("|---|---|---|---|")
    for label, key, fmt in rows:
        print(f"| {label} | {cell(m[0], key, fmt)} | {cell(m[1], key, fmt)} | {ratio(m[0], m[1], key)} |")
else:
    print(f"| median of {runs} runs | this tree |")
    print("|---|---|")
    for label, key, fmt in rows:
        print(f"| {label} | {cell(m[0], key, fmt)} |")
print()
print("peers logged in per run:", [r.get("peers_logged_in", 0) for b in data["bins"] for r in data["all"][b]])
EOF
