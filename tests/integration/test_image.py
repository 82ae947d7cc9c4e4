# SPDX-License-Identifier: GPL-2.0
"""The static binary, the container image and the DaemonSet (issue 26).

make static's binary is static and finds a leak on its own; `make image`
builds the image offline (FROM scratch, the binary copied in) on a private
dockerd (as in test_containers.py), and the image run as the README says
(--privileged --pid=host, the host's network) traces a leaking process of
the host: its /metrics names that pid with leakscope_verdict{kind="memory",
verdict="leak"} 1.  deploy/kubernetes/daemonset.yaml parses and runs what
the image runs.  Skips when the static build or dockerd is missing.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from lsharness import OUT, ROOT, Failed, Skipped, Suite, check, final_report, json_lines, \
    proc_in, workload
from test_containers import DOCKER, Dockerd
from test_serve import free_port, http_get, wait_pid_file

STATIC = os.path.join(OUT, "static", "leakscope")
DAEMONSET = os.path.join(ROOT, "deploy", "kubernetes", "daemonset.yaml")
IMAGE = "leakscope-test:image"
CONTAINER = "ls-image"
LEAK_RATE = 4       # MiB/s
METRICS_WAIT = 60   # s for /metrics to call the leak one (a verdict needs 24 s)


def need_static():
    if not os.access(STATIC, os.X_OK):
        raise Skipped(f"{STATIC} is not built (make static)")


def metric_lines(body, name, **labels):
    """The sample lines of metric NAME whose labels include LABELS:
    [(labels as a dict, value)]."""
    out = []
    for line in body.splitlines():
        m = re.match(r'^' + re.escape(name) + r'\{(.*)\} (\S+)$', line)
        if not m:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
        if all(got.get(k) == v for k, v in labels.items()):
            out.append((got, float(m.group(2))))
    return out


# the capabilities docker names, by number (linux/capability.h), that a
# sandbox's bounding set may lack
CAP_NAMES = {24: "SYS_RESOURCE", 16: "SYS_MODULE", 22: "SYS_BOOT", 25: "SYS_TIME",
             17: "SYS_RAWIO", 32: "MAC_ADMIN", 33: "SYSLOG", 35: "WAKE_ALARM",
             36: "BLOCK_SUSPEND", 20: "SYS_PACCT", 30: "AUDIT_CONTROL"}


def bounding_set_lacks():
    with open("/proc/self/status") as f:
        bnd = int(re.search(r"^CapBnd:\s*([0-9a-f]+)$", f.read(), re.M).group(1), 16)
    return [name for bit, name in sorted(CAP_NAMES.items()) if not bnd >> bit & 1]


def main():
    s = Suite("image")

    def static_binary_is_static():
        need_static()
        p = subprocess.run(["ldd", STATIC], capture_output=True, text=True, timeout=30)
        said = (p.stdout + p.stderr).strip()
        check("not a dynamic executable" in said, "ldd of the static binary",
              "not a dynamic executable", said)
        with open(os.path.join(ROOT, "VERSION")) as f:
            version = f.read().strip()
        p = subprocess.run([STATIC, "--version"], capture_output=True, text=True, timeout=30)
        check((p.returncode, p.stdout) == (0, f"leakscope {version} (static)\n"),
              "its --version", f"leakscope {version} (static)", (p.returncode, p.stdout))
        # getaddrinfo is not in it: a name other than localhost is refused
        # (said after the capability check, so only as root)
        if os.geteuid() != 0:
            return
        p = subprocess.run([STATIC, "serve", "--listen", "metrics.invalid:9464", "-d", "1"],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 1 and p.stderr.startswith("Error: --listen metrics.invalid:9464: "
                                                         "this static build takes a numeric"),
              "--listen with a host name", "exit 1, Error: ... takes a numeric address",
              f"{p.returncode}: {p.stderr.strip()}")

    def static_binary_finds_a_leak():
        need_static()
        if os.geteuid() != 0:
            raise Skipped("needs root to load BPF programs")
        # numeric --listen on loopback, serving while it watches
        p = subprocess.run([STATIC, "serve", "--listen", f"127.0.0.1:{free_port()}", "-i", "1",
                            "-d", "26", "--json", "--", workload("mem_leak"), str(LEAK_RATE),
                            "40"], capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, "exit status", 0, f"{p.returncode}: {p.stderr.strip()[-400:]}")
        rep = final_report(json_lines(p.stdout))
        leak = [q for q in rep["processes"] if q["comm"] == "mem_leak"]
        check(len(leak) == 1, "the workload in the report", 1, [q["comm"] for q in rep["processes"]])
        mem = proc_in(rep, leak[0]["pid"])["memory"]
        check(mem["verdict"] == "leak", "its memory verdict", "leak", mem["verdict"])
        site = (mem.get("growth_sites") or [{}])[0]
        check(site.get("frames", [""])[0].startswith("main+"), "its growth site, symbolized",
              "main+0x...", site.get("frames"))
        src = (site.get("sources") or [None])[0] or {}
        check(src.get("file", "").endswith("mem_leak.c"), "the site's source line (libdw in it)",
              "mem_leak.c", src)

    def daemonset_is_valid():
        try:
            import yaml
        except ImportError:
            raise Skipped("python3-yaml is not installed (make deps)")
        with open(DAEMONSET) as f:
            docs = list(yaml.safe_load_all(f))
        ds = [d for d in docs if d and d.get("kind") == "DaemonSet"]
        check(len(ds) == 1, "one DaemonSet", 1, [d and d.get("kind") for d in docs])
        tpl = ds[0]["spec"]["template"]
        spec = tpl["spec"]
        check(ds[0]["spec"]["selector"]["matchLabels"].items() <= tpl["metadata"]["labels"].items(),
              "the selector matches the pods' labels", tpl["metadata"]["labels"],
              ds[0]["spec"]["selector"])
        ann = tpl["metadata"].get("annotations", {})
        check((ann.get("prometheus.io/scrape"), ann.get("prometheus.io/port")) == ("true", "9464"),
              "scrape annotations", ("true", "9464"), ann)
        check(spec.get("hostPID") is True, "hostPID", True, spec.get("hostPID"))
        check({"operator": "Exists"} in spec.get("tolerations", []), "tolerates every taint",
              {"operator": "Exists"}, spec.get("tolerations"))
        c = spec["containers"][0]
        check(c["args"] == ["serve", "--listen", "0.0.0.0:9464"], "the command",
              "serve --listen 0.0.0.0:9464", c["args"])
        check(c["securityContext"].get("privileged") is True, "privileged", True,
              c["securityContext"])
        check("limits" in c.get("resources", {}), "resource limits", "set", c.get("resources"))
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        vols = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
        for path in ("/sys/kernel/tracing", "/sys/kernel/debug", "/sys/fs/cgroup",
                     "/sys/kernel/btf"):
            check(vols.get(mounts.get(path)) == path, f"{path} mounted from the node", path,
                  vols.get(mounts.get(path)))
        # the least-privilege alternative names the capabilities the README does
        with open(DAEMONSET) as f:
            text = f.read()
        m = re.search(r'#\s*add: \[([^\]]*)\]', text)
        caps = set(re.findall(r'"(\w+)"', m.group(1))) if m else set()
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        want = set(re.findall(r'\+(\w+)', re.search(r'--inh-caps=(\S+)', readme).group(1)))
        check({x.lower() for x in caps} >= want, "the commented capabilities cover the README's",
              sorted(want), sorted(caps))

    def image_serves_a_host_leak():
        need_static()
        if os.geteuid() != 0:
            raise Skipped("needs root to run dockerd")
        # removed by hand: dockerd leaves mounts below it until it stops
        tmp = tempfile.mkdtemp(prefix="leakscope-img-")
        d = Dockerd(tmp)
        why = d.start()
        try:
            if why:
                raise Skipped(why)
            image_run(d, tmp)
        finally:
            subprocess.run([DOCKER, "rm", "-f", CONTAINER], env=d.env, capture_output=True,
                           timeout=60)
            d.stop()
            shutil.rmtree(tmp, ignore_errors=True)

    def image_run(d, tmp):
        # the README's way: make image, here on this test's dockerd
        t0 = time.time()
        p = subprocess.run(["make", "-C", ROOT, "--no-print-directory", f"OUT={OUT}",
                            f"IMAGE={IMAGE}", f"DOCKER={DOCKER}", "image"], env=d.env,
                           capture_output=True, text=True, timeout=600)
        check(p.returncode == 0, "make image", 0, f"{p.returncode}: {(p.stdout + p.stderr)[-600:]}")
        built = time.time() - t0
        cfg = json.loads(d.docker("image", "inspect", "-f", "{{json .Config}}", IMAGE))
        check((cfg.get("Entrypoint"), cfg.get("Cmd")) ==
              (["/leakscope"], ["serve", "--listen", "0.0.0.0:9464"]),
              "the image's entrypoint and command", "/leakscope serve --listen 0.0.0.0:9464",
              (cfg.get("Entrypoint"), cfg.get("Cmd")))
        size = int(d.docker("image", "inspect", "-f", "{{.Size}}", IMAGE))
        layers = json.loads(d.docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", IMAGE))
        check(len(layers) == 1, "one layer (FROM scratch, the binary)", 1, len(layers))
        print(f"# image {size / 1e6:.1f} MB, built in {built:.1f} s")
        info = os.path.join(tmp, "info")
        leak = s.spawn([workload("mem_leak"), str(LEAK_RATE), "120"],
                       env=dict(os.environ, WL_INFO=info, WL_GATE=""))
        pid = wait_pid_file(info)
        check(pid == leak.pid, "the workload's pid", leak.pid, pid)
        port = free_port()
        # the whole host, as the DaemonSet runs; a loopback port of the host
        # rather than the image's 0.0.0.0:9464
        run = ["run", "-d", "--name", CONTAINER, "--pid=host", "--cgroupns=host",
               "--network=host"]
        cmd = [IMAGE, "serve", "--listen", f"127.0.0.1:{port}", "-i", "1"]
        try:
            d.docker(*run, "--privileged", *cmd)
        except Failed as e:
            if "unable to apply caps" not in str(e):
                raise
            # runc gives a privileged container every capability the kernel
            # has, and fails where this process's bounding set lacks one (a
            # sandbox without CAP_SYS_RESOURCE): every other one instead, as
            # unconfined as --privileged makes it
            missing = bounding_set_lacks()
            print(f"# --privileged refused here (the bounding set lacks {missing}): "
                  "--cap-add ALL without them, seccomp and AppArmor unconfined")
            subprocess.run([DOCKER, "rm", "-f", CONTAINER], env=d.env, capture_output=True,
                           timeout=60)
            d.docker(*run, "--cap-add", "ALL", *[a for c in missing for a in ("--cap-drop", c)],
                     "--security-opt", "seccomp=unconfined", "--security-opt",
                     "apparmor=unconfined", *cmd)
        t0, body, verdicts = time.time(), "", []
        while time.time() - t0 < METRICS_WAIT:
            time.sleep(1)
            state = d.docker("inspect", "-f", "{{.State.Status}}", CONTAINER)
            if state != "running":
                logs = subprocess.run([DOCKER, "logs", CONTAINER], env=d.env,
                                      capture_output=True, text=True, timeout=30)
                raise Failed(f"the container is {state}: {logs.stderr.strip()[-600:]}")
            try:
                st, _, body = http_get(port, "/metrics")
            except OSError:
                continue
            if st != 200:
                continue
            verdicts = metric_lines(body, "leakscope_verdict", pid=str(pid), kind="memory")
            if any(v["verdict"] == "leak" and x == 1 for v, x in verdicts):
                break
        took = time.time() - t0
        check(any(v["verdict"] == "leak" and x == 1 for v, x in verdicts),
              f"leakscope_verdict{{kind=\"memory\",verdict=\"leak\",pid=\"{pid}\"}} 1 "
              f"within {METRICS_WAIT} s", "1", verdicts or body[-600:])
        print(f"# the image's /metrics called the host's leak one after {took:.0f} s")
        real = metric_lines(body, "leakscope_memory_real_bytes", pid=str(pid))
        check(real and real[0][0].get("comm") == "mem_leak" and real[0][1] > 20 * (1 << 20),
              "the workload's real memory", "comm mem_leak, > 20 MiB", real)
        st, _, hz = http_get(port, "/healthz")
        check((st, hz) == (200, "ok\n"), "/healthz", (200, "ok\n"), (st, hz))
        d.docker("stop", "-t", "10", CONTAINER)
        code = d.docker("inspect", "-f", "{{.State.ExitCode}}", CONTAINER)
        check(code == "0", "the container's exit status once stopped (SIGTERM)", "0", code)

    s.subtest("static_binary_is_static", static_binary_is_static)
    s.subtest("static_binary_finds_a_leak", static_binary_finds_a_leak)
    s.subtest("daemonset_is_valid", daemonset_is_valid)
    s.subtest("image_serves_a_host_leak", image_serves_a_host_leak)
    return s.run_all()


if __name__ == "__main__":
    raise SystemExit(main())
