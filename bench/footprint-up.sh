#!/usr/bin/env bash
# Footprint of one `peer up` with three tunnels (docs/benchmarks.md, "Footprint"): two [[expose]] and one
# [[connect]] (to the first of them, through the rendezvous), against a local rendezvous on loopback, restarted
# with a key it already has (made by `peer id` before the clock starts), as an installed peer is. Reports the
# time and CPU from launch to ready (every tunnel exposed or listening), RSS and threads when ready and after 10 s
# idle. Each VARIANT is measured in turn in every run, so that load from elsewhere hits them alike:
#
#   bench/footprint-up.sh RUNS BIN_DIR[=JAVA_OPTS] ...   (e.g. dist/target/a/bin '/tmp/b/bin=-Xshare:off')
#
# JAVA_OPTS after '=' go in PINHOLE_JAVA_OPTS; FOOTPRINT_NMT=1 also prints the JVM's native memory summary
# of the last run of each variant. Loopback only; every process is bounded in time and stopped at the end.
set -euo pipefail
runs="$1"; shift
work="$(mktemp -d /tmp/pinhole-footprint-up.XXXXXX)"
[ -n "${FOOTPRINT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
python3 - "$work" "$runs" "$@" <<'PY'
import os, re, signal, socket, statistics, subprocess, sys, threading, time
work, runs, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
READY_TIMEOUT = 60   # seconds: a loaded 2-core VM takes a few; a minute means something is wrong

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def status(pid):
    fields = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
    return int(fields["VmRSS"].split()[0]) / 1024.0, int(fields["Threads"])

def launch(argv, env, log):
    return subprocess.Popen(argv, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)

def wait_for(log, pattern, count, proc):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if len(re.findall(pattern, open(log).read())) >= count:
            return
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    sys.exit(f"bench: no {pattern} x{count} in {log}:\n" + open(log).read()[-3000:])

def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill(); p.wait()

def one(variant, d):
    bin_dir, _, opts = variant.partition("=")
    os.makedirs(d)
    env = dict(os.environ)
    env.pop("PINHOLE_JAVA_OPTS", None)
    rv_port, web, ssh, listen = free_port(), free_port(), free_port(), free_port()
    rv = launch([f"{bin_dir}/rendezvous", "--data-dir", f"{d}/rv", "--bind", "127.0.0.1", "--port", str(rv_port),
                 "--public-host", "127.0.0.1", "--stun-port", "0", "--no-dashboard"], env, f"{d}/rv.out")
    try:
        wait_for(f"{d}/rv.out", r"rendezvous listening on", 1, rv)
        join = open(f"{d}/rv/join-code").read().strip()
        with open(f"{d}/pinhole.toml", "w") as f:
            f.write(f'[[expose]]\nname = "web"\nport = {web}\n\n[[expose]]\nname = "ssh"\nport = {ssh}\n\n'
                    f'[[connect]]\nname = "web"\nlisten = "127.0.0.1:{listen}"\n')
        # An installed peer restarts with its key: made here first, so that its one-time cost is not counted.
        subprocess.run([f"{bin_dir}/peer", "id", "--home", f"{d}/home"], env=env, capture_output=True, timeout=READY_TIMEOUT,
                       check=True)
        env["PINHOLE_JAVA_OPTS"] = opts + (" -XX:NativeMemoryTracking=summary" if os.environ.get("FOOTPRINT_NMT") else "")
        t0 = time.monotonic()
        up = launch([f"{bin_dir}/peer", "up", "--config", f"{d}/pinhole.toml", "--home", f"{d}/home", "--server", join,
                     "--json"], env, f"{d}/up.out")
        try:
            wait_for(f"{d}/up.out", r'"event":"(exposed|ready)"', 3, up)
            r = {"ready_s": time.monotonic() - t0, "cpu_s": cpu_s(up.pid)}
            r["ready_mb"], _ = status(up.pid)
            time.sleep(10)   # idle: what a service left running looks like after its start-up
            r["idle_mb"], r["threads"] = status(up.pid)
            if os.environ.get("FOOTPRINT_NMT"):
                r["nmt"] = subprocess.run(["jcmd", str(up.pid), "VM.native_memory", "summary"], capture_output=True,
                                          text=True, timeout=30).stdout
            err = [l for l in open(f"{d}/up.out") if not l.startswith("{")]
            r["stray_lines"] = len(err)
            if err:
                print(f"{variant}: non-JSON output: {err[:3]}", file=sys.stderr)
            return r
        finally:
            stop(up)
    finally:
        stop(rv)

results = {v: [] for v in variants}
for i in range(runs):
    for k, v in enumerate(variants):
        results[v].append(one(v, f"{work}/run-{i}-{k}"))
print(f"| median of {runs} runs | launch → ready (s) | CPU to ready (s) | RSS ready / idle (MB) | threads |")
print("|---|---|---|---|---|")
for v, rs in results.items():
    med = lambda key: statistics.median(r[key] for r in rs)
    print(f"| `{v}` | {med('ready_s'):.2f} | {med('cpu_s'):.2f} | {med('ready_mb'):.0f} / {med('idle_mb'):.0f} | {med('threads'):.0f} |")
for v, rs in results.items():
    if "nmt" in rs[-1]:
        print(f"\n{v}:\n{rs[-1]['nmt']}")
PY
