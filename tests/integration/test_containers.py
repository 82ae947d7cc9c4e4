# SPDX-License-Identifier: GPL-2.0
"""Which container a process is in, and --container / --cgroup (issue 26).

A private dockerd (Debian's docker.io: its own data root, exec root and
socket, no network set-up) runs an image built offline: busybox-static and
a static copy of tests/workloads/mem_leak.c.  Skips, with the reason, when
dockerd cannot start here.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

from lsharness import (LEAKSCOPE, ROOT, Failed, Skipped, Suite, check, final_report,
                       json_lines, proc_in, wait_attached, workload)

WALL = re.compile(r'"time":"[^"]*",')
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else shutil.which("docker")
DOCKERD = shutil.which("dockerd") or "/usr/sbin/dockerd"


class Dockerd:
    """A dockerd of the test's own, stopped at the end."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "docker.sock")
        self.env = dict(os.environ, DOCKER_HOST="unix://" + self.sock)
        self.proc = None
        self.log = os.path.join(tmp, "dockerd.log")

    def start(self):
        if not DOCKER or not os.path.exists(DOCKERD):
            return "docker.io is not installed (make deps)"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [DOCKERD, "--data-root", os.path.join(self.tmp, "data"),
                 "--exec-root", os.path.join(self.tmp, "exec"),
                 "--pidfile", os.path.join(self.tmp, "dockerd.pid"),
                 "-H", "unix://" + self.sock, "--iptables=false", "--bridge=none"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.time() + 60
        while time.time() < end:
            if self.proc.poll() is not None:
                break
            if subprocess.run([DOCKER, "version"], env=self.env, capture_output=True).returncode == 0:
                return None
            time.sleep(0.5)
        with open(self.log) as f:
            tail = f.read()[-600:].replace("\n", " | ")
        return f"dockerd did not start: {tail}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # what dockerd mounted below its directories and left (its default
        # network namespace's nsfs file), deepest first
        with open("/proc/self/mounts") as f:
            left = [l.split()[1] for l in f if l.split()[1].startswith(self.tmp + "/")]
        for m in sorted(left, key=len, reverse=True):
            subprocess.run(["umount", "-l", m], capture_output=True, timeout=30)

    def docker(self, *args, timeout=120):
        p = subprocess.run([DOCKER, *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise Failed(f"docker {' '.join(args)}: {p.stderr.strip()[-400:]}")
        return p.stdout.strip()


def build_image(d, tmp):
    """An image from a tar of a minimal root: docker import, no registry."""
    root = os.path.join(tmp, "rootfs")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
    for tool in ("sh", "sleep", "cat"):
        os.symlink("busybox", os.path.join(root, "bin", tool))
    subprocess.run(["gcc", "-static", "-O1", "-std=gnu11", "-D_GNU_SOURCE",
                    "-I" + os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "tests", "workloads", "mem_leak.c"),
                    "-o", os.path.join(root, "bin", "mem_leak")], check=True)
    tar = os.path.join(tmp, "rootfs.tar")
    subprocess.run(["tar", "-C", root, "-cf", tar, "."], check=True)
    d.docker("import", tar, "leakscope-test:1")


def cgroup_line(pid):
    with open(f"/proc/{pid}/cgroup") as f:
        return f.read()


def pids_with_comm(comm):
    out = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open(f"/proc/{e}/comm") as f:
                    if f.read().strip() == comm:
                        out.append(int(e))
            except OSError:
                pass
    return out


def cgroup2_mount():
    """Where the cgroup v2 tree is mounted (its root), or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = left.split()
            if right.startswith("cgroup2 ") and fields[3] == "/":
                return fields[4]
    return None


def cgroup_filter_in_kernel(s):
    """--cgroup on cgroup v2 is filtered in the kernel: a process moved into
    the cgroup after attach is traced from its first event.  The walk of
    /proc at each interval (-i 5) would find it 5 s late, its first 20 MiB
    of mappings unseen."""
    mnt = cgroup2_mount()
    if not mnt:
        raise Skipped("no cgroup v2 hierarchy is mounted")
    name = f"leakscope-test-{os.getpid()}"
    cg = os.path.join(mnt, name)
    os.mkdir(cg)
    errf = tempfile.TemporaryFile("w+")
    try:
        # -v's libbpf lines would fill a pipe nobody reads while it attaches
        ls = s.spawn([LEAKSCOPE, "--cgroup", "/" + name, "-i", "5", "-d", "12", "--json", "-v"],
                     stdout=subprocess.PIPE, stderr=errf, text=True)
        wait_attached()
        wl = s.spawn(["sh", "-c", f"echo $$ > {cg}/cgroup.procs && exec {workload('mem_leak')} 4 30"],
                     env=dict(os.environ, WL_GATE=""))
        out, _ = ls.communicate(timeout=120)
        errf.seek(0)
        err = errf.read()
        check(ls.returncode == 0, "leakscope's exit status", 0, f"{ls.returncode}: {err[-400:]}")
        said = [l for l in err.splitlines() if "filtered in the kernel" in l]
        check(said and "1 cgroup filtered in the kernel" in said[0], "-v's filter line",
              "... 1 cgroup filtered in the kernel", said)
        rep = final_report(json_lines(out))
        mem = proc_in(rep, wl.pid)["memory"]
        MiB = 1 << 20
        check(mem["real_bytes"] > 30 * MiB, "the workload's real memory", "> 30 MiB",
              mem["real_bytes"])
        check(mem["mapped_anon_bytes"] >= mem["real_bytes"] - 6 * MiB,
              "its anonymous mappings, counted from its first (its real memory less 6 MiB)",
              f">= {(mem['real_bytes'] - 6 * MiB) / MiB:.1f} MiB",
              f"{mem['mapped_anon_bytes'] / MiB:.1f} MiB")
    finally:
        errf.close()
        s.reap()
        for _ in range(50):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.1)


def main():
    s = Suite("containers")
    tmp = d = env = None    # the test's dockerd, started after the first subtest
    # the workload leaks 2 MiB/s until removed; no network, nothing to set up
    st = {}

    def setup():
        build_image(d, tmp)
        cid = d.docker("run", "-d", "--name", "ls-leaker", "--network", "none",
                       "leakscope-test:1", "/bin/mem_leak", "2", "600")
        st["id"] = d.docker("inspect", "-f", "{{.Id}}", cid)
        st["pid"] = int(d.docker("inspect", "-f", "{{.State.Pid}}", cid))
        check(len(st["id"]) == 64, "docker inspect's id", "64 hex digits", st["id"])

    def leakscope(args, timeout=180):
        p = subprocess.run([LEAKSCOPE, *args], capture_output=True, text=True, timeout=timeout,
                           env=env)
        check(p.returncode == 0, f"leakscope {' '.join(args)} exit status", 0,
              f"{p.returncode}: {p.stderr.strip()[-400:]}")
        return p

    def filtered_run():
        rec = os.path.join(tmp, "ctr.lsrec")
        # a second process joins the container after attach: picked up at
        # the next interval
        def exec_later():
            time.sleep(4)
            subprocess.Popen([DOCKER, "exec", "-d", st["id"], "/bin/sleep", "300"], env=env)
        before = set(pids_with_comm("sleep"))
        import threading
        t = threading.Thread(target=exec_later)
        t.start()
        p = leakscope(["record", "-o", rec, "-i", "1", "-d", "30", "--json",
                       "--container", st["id"][:12]])
        t.join()
        st["rec"], st["live"] = rec, p.stdout
        rep = final_report(json_lines(p.stdout))
        w = proc_in(rep, st["pid"])
        ctr = w.get("container") or {}
        check(ctr.get("id") == st["id"], "the workload's container.id", st["id"], ctr.get("id"))
        check(ctr.get("runtime") == "docker", "its runtime", "docker", ctr.get("runtime"))
        check(ctr.get("name") == "ls-leaker", "its name (dockerd's API)", "ls-leaker", ctr.get("name"))
        check(st["id"] in w.get("cgroup", ""), "its cgroup path holds the id", st["id"], w.get("cgroup"))
        check(w["memory"]["verdict"] == "leak", "its memory verdict", "leak", w["memory"]["verdict"])
        outside = [(p["pid"], p["comm"], (p.get("container") or {}).get("id"))
                   for p in rep["processes"] if (p.get("container") or {}).get("id") != st["id"]]
        check(not outside, "processes outside the container in the report", [], outside)
        joined = [p for p in rep["processes"] if p["comm"] == "sleep" and p["pid"] not in before]
        check(len(joined) == 1, "the process docker exec started after attach, in the report",
              1, [(p["pid"], p["comm"]) for p in rep["processes"]])

    def replay():
        if "rec" not in st:
            raise Skipped("the filtered run made no recording")
        r = subprocess.run([LEAKSCOPE, "report", st["rec"], "--json", "--intervals"], capture_output=True,
                           text=True, timeout=120)
        check(r.returncode == 0, "report exit status", 0, r.stderr[-300:])
        a = WALL.sub("", st["live"]).splitlines()
        b = WALL.sub("", r.stdout).splitlines()
        check(len(a) == len(b), "as many objects live and replayed", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            check(x == y, f"object {i} identical apart from wall-clock fields", x[:300], y[:300])
        t = subprocess.run([LEAKSCOPE, "report", st["rec"]], capture_output=True, text=True,
                           timeout=120)
        want = f"(docker container {st['id'][:12]} ls-leaker)"
        line = [l for l in t.stdout.splitlines() if f"(pid {st['pid']})" in l]
        check(line and want in line[0], "the text report's process line names the container",
              want, line)

    def whole_machine():
        p = leakscope(["-i", "1", "-d", "4", "--json", "-n", "10000"])
        rep = final_report(json_lines(p.stdout))
        w = proc_in(rep, st["pid"])
        ctr = w.get("container") or {}
        check((ctr.get("id"), ctr.get("runtime"), ctr.get("name")) == (st["id"], "docker", "ls-leaker"),
              "the container on the workload, whole machine",
              (st["id"], "docker", "ls-leaker"), (ctr.get("id"), ctr.get("runtime"), ctr.get("name")))
        me = proc_in(rep, os.getpid())
        check(me.get("container") is None or me["container"].get("id") is None,
              "this test's own process is in no container", None, me.get("container"))
        check(me.get("cgroup", "").startswith("/"), "its cgroup is a path", "/...", me.get("cgroup"))

    def cgroup_filter():
        path = None
        for line in cgroup_line(st["pid"]).splitlines():
            _, _, pth = line.split(":", 2)
            if st["id"] in pth:
                path = pth
                break
        check(path, "the workload's cgroup path", "/.../" + st["id"], cgroup_line(st["pid"]))
        parent = path.rsplit("/", 1)[0] or "/"
        p = leakscope(["-i", "1", "-d", "3", "--json", "-n", "10000", "--cgroup", parent])
        rep = final_report(json_lines(p.stdout))
        proc_in(rep, st["pid"])
        bad = [(q["pid"], q["cgroup"]) for q in rep["processes"]
               if not (q["cgroup"] == parent or q["cgroup"].startswith(parent.rstrip("/") + "/"))]
        check(not bad, f"processes outside {parent} in the report", [], bad)

    def bad_arguments():
        for args, rc, want in ((["--container", "xyz"], 2, "--container 'xyz'"),
                               (["--container", "12345"], 2, "--container '12345'"),
                               (["--cgroup", "docker"], 2, "--cgroup needs a cgroup path"),
                               (["--container", "000000000000"], 1, "no running process")):
            p = subprocess.run([LEAKSCOPE, "-d", "1", *args], capture_output=True, text=True,
                               timeout=60)
            lines = p.stderr.strip().splitlines()
            check(p.returncode == rc and len(lines) == 1 and lines[0].startswith("Error: ")
                  and want in lines[0], f"leakscope {' '.join(args)}",
                  f"exit {rc} and one line 'Error: ...{want}...'", f"exit {p.returncode}: {lines}")

    def start_dockerd():
        """A skip reason when dockerd or the test container cannot start."""
        nonlocal tmp, d, env
        tmp = tempfile.mkdtemp(prefix="leakscope-ctr-")
        d = Dockerd(tmp)
        why = d.start()
        if why:
            return why
        env = dict(d.env)
        try:
            setup()
        except (Failed, subprocess.CalledProcessError) as e:
            return f"no test container: {e}"
        return None

    s.subtest("cgroup_filter_in_kernel", cgroup_filter_in_kernel, s)    # no dockerd needed
    s.between(start_dockerd)
    s.subtest("filtered_run_is_the_container", filtered_run)
    s.subtest("replay_names_the_container", replay)
    s.subtest("whole_machine_names_the_container", whole_machine)
    s.subtest("cgroup_filter", cgroup_filter)
    s.subtest("bad_container_arguments", bad_arguments)
    if not s.root_or_skip():
        return 0
    try:
        return s.run_all()
    finally:
        if d:
            if env:
                subprocess.run([DOCKER, "rm", "-f", "ls-leaker"], env=env, capture_output=True,
                               timeout=60)
            d.stop()
            shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    raise SystemExit(main())
