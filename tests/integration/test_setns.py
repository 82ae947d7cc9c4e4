# SPDX-License-Identifier: GPL-2.0
"""Failed setns() calls explained by what their fd really was (issue 4).

Real tools where users meet them: nsenter, ip netns, setpriv, unshare; and
the dockerd loop (tests/workloads/ns_setns_loop.c) on a network namespace
whose bind mount is gone.
"""
import os
import subprocess
import tempfile

from lsharness import (LEAKSCOPE, Failed, Suite, check, final_report, json_lines, proc_in,
                       workload)


FS_NAMES = {0xef53: "ext4", 0x01021994: "tmpfs", 0x58465342: "xfs", 0x9123683e: "btrfs",
            0x794c7630: "overlay"}


def fs_of(path):
    """The file system a path is on, as the kernel names its magic."""
    out = subprocess.run(["stat", "-f", "-c", "%t", path], capture_output=True, text=True,
                         check=True).stdout.strip()
    return FS_NAMES.get(int(out, 16), "unknown-fs")


def sh(*argv):
    p = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise Failed(f"{' '.join(argv)}: {p.stderr.strip()}")
    return p.stdout


def trace_cmd(argv, info=None, extra=()):
    """Run argv under `leakscope -- argv`; returns (report, info dict)."""
    env = dict(os.environ)
    if info:
        env["WL_INFO"] = info
    p = subprocess.run([LEAKSCOPE, "-i", "1", "--json", *extra, "--", *argv],
                       capture_output=True, text=True, timeout=120, env=env)
    check(p.returncode == 0, "leakscope exit status", 0, f"{p.returncode}: {p.stderr[-400:]}")
    vals = {}
    if info and os.path.exists(info):
        with open(info) as f:
            for line in f:
                k, v = line.split()
                vals[k] = int(v)
    return final_report(json_lines(p.stdout)), vals


def setns_of(report, comm=None, pid=None):
    procs = [p for p in report["processes"] if "setns" in p and
             (pid is None or p["pid"] == pid) and (comm is None or p["comm"] == comm)]
    check(len(procs) >= 1, f"a process ({comm or pid}) with setns calls in the report", ">= 1",
          [(p["pid"], p["comm"]) for p in report["processes"]])
    return procs[0]


def main():
    s = Suite("setns")

    def nsenter_plain_file():
        path = os.path.join(tmp, "not-a-netns")
        open(path, "w").close()
        rep, _ = trace_cmd(["nsenter", f"--net={path}", "true"])
        p = setns_of(rep, comm="nsenter")
        check(p["setns"]["failed"] >= 1, "the failure is counted", ">= 1", p["setns"]["failed"])
        f = p["setns"]["failures"][0]
        check(f["errno"] == "EINVAL", "errno", "EINVAL", f["errno"])
        check(f["nstype"] == "net", "nstype asked", "net", f["nstype"])
        check(f["target_kind"] == "regular-file", "target_kind", "regular-file", f["target_kind"])
        check(f["target"].endswith(path), "the path is named", path, f["target"])
        check(f["target_fs"] == fs_of(path), "target_fs", fs_of(path), f["target_fs"])
        check("not a namespace" in f["explanation"], "explanation", "... not a namespace ...",
              f["explanation"])

    def netns_gone_loop():
        name = f"lsgone{os.getpid()}"
        sh("ip", "netns", "add", name)
        path = f"/run/netns/{name}"
        try:
            sh("umount", path)  # the bind mount is gone: a plain, empty file remains
            info = os.path.join(tmp, "loop.info")
            rep, truth = trace_cmd([workload("ns_setns_loop"), path, "net", "60", "100",
                                    "--reopen"], info)
            p = setns_of(rep, pid=truth["pid"])
            f = p["setns"]["failures"][0]
            check(truth["failures"] == 60, "the loop itself saw every call fail", 60,
                  truth["failures"])
            got = f["count"]
            check(abs(got - truth["failures"]) <= 0.05 * truth["failures"],
                  "failures counted within 5%", truth["failures"], got)
            check(f["errno"] == "EINVAL", "errno", "EINVAL", f["errno"])
            check(f["target_kind"] == "regular-file", "target_kind", "regular-file", f["target_kind"])
            check(f["target_fs"] == fs_of(path), "target_fs", fs_of(path), f["target_fs"])
            check(f["target"].endswith(path), "target path", path, f["target"])
            check("bind mount is gone" in f["explanation"], "explanation", "bind mount is gone",
                  f["explanation"])
            check(5 <= f["rate_per_s"] <= 11, "rate about 10/s", "5..11", f["rate_per_s"])
        finally:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
            if os.path.exists(path):
                os.unlink(path)

    def dockerd_tmpfs():
        # /run/docker/netns/ID on tmpfs, nsfs bind-mounted onto it, then gone
        base = os.path.join(tmp, "run")
        os.makedirs(base, exist_ok=True)
        sh("mount", "-t", "tmpfs", "tmpfs", base)
        try:
            os.makedirs(os.path.join(base, "docker", "netns"))
            path = os.path.join(base, "docker", "netns", "bc51d3e")
            open(path, "w").close()
            sh("mount", "--bind", "/proc/self/ns/net", path)
            sh("umount", path)
            info = os.path.join(tmp, "tmpfs.info")
            rep, truth = trace_cmd([workload("ns_setns_loop"), path, "net", "20", "50",
                                    "--reopen"], info)
            f = setns_of(rep, pid=truth["pid"])["setns"]["failures"][0]
            check(f["target_fs"] == "tmpfs", "target_fs", "tmpfs", f["target_fs"])
            check(f["target"].endswith("docker/netns/bc51d3e"), "target path",
                  ".../docker/netns/bc51d3e", f["target"])
            check("a plain file on tmpfs, not a namespace" in f["explanation"], "explanation",
                  "a plain file on tmpfs, not a namespace", f["explanation"])
            check(f["count"] == truth["failures"], "count", truth["failures"], f["count"])
        finally:
            subprocess.run(["umount", base], capture_output=True)

    def wrong_type():
        info = os.path.join(tmp, "wrong.info")
        rep, truth = trace_cmd([workload("ns_setns_loop"), "/proc/self/ns/mnt", "net", "5", "50"],
                               info)
        f = setns_of(rep, pid=truth["pid"])["setns"]["failures"][0]
        check(f["errno"] == "EINVAL", "errno", "EINVAL", f["errno"])
        check(f["target_kind"] == "nsfs", "target_kind", "nsfs", f["target_kind"])
        check(f.get("target_nstype") == "mnt", "target_nstype", "mnt", f.get("target_nstype"))
        check("is a mnt namespace" in f["explanation"] and "asked for net" in f["explanation"],
              "explanation", "a mnt namespace ... asked for net", f["explanation"])
        check(f["count"] == 5, "count", 5, f["count"])

    def eperm():
        info = os.path.join(tmp, "eperm.info")
        # the workload writes its counts as nobody
        os.chmod(tmp, 0o755)
        open(info, "w").close()
        os.chmod(info, 0o666)
        rep, truth = trace_cmd([workload("ns_setns_loop"), "/proc/self/ns/net", "net", "5", "50",
                                "--drop-privs"], info)
        check(truth["errno"] == 1, "the workload got EPERM", 1, truth["errno"])
        f = setns_of(rep, pid=truth["pid"])["setns"]["failures"][0]
        check(f["errno"] == "EPERM", "errno", "EPERM", f["errno"])
        check("CAP_SYS_ADMIN" in f["explanation"], "explanation names the capability",
              "CAP_SYS_ADMIN", f["explanation"])

    def ip_netns_exec():
        name = f"lsok{os.getpid()}"
        sh("ip", "netns", "add", name)
        try:
            rep, _ = trace_cmd(["ip", "netns", "exec", name, "true"])
            procs = [p for p in rep["processes"] if "setns" in p]
            check(procs, "the setns call is in the report", ">= 1 process", 0)
            ns = procs[0]["setns"]
            check(ns["failed"] == 0 and ns["failures"] == [], "no failure", 0, ns["failures"])
            check(ns["calls"] >= 1, "the call is counted", ">= 1", ns["calls"])
            nets = [x for x in ns["successes"] if x["nstype"] == "net"]
            ino = os.stat(f"/run/netns/{name}").st_ino
            check(nets and nets[0]["ino"] == ino, "success by namespace inode", ino, ns["successes"])
        finally:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def pidfd_target():
        # a pidfd (pidfs on 6.9+) names the target pid; joining one's own user
        # namespace is EINVAL, joining the target's net namespace succeeds
        target = subprocess.Popen(["sleep", "30"])
        try:
            code = ("import ctypes, os, sys, time\n"
                    "libc = ctypes.CDLL(None, use_errno=True)\n"
                    f"fd = os.pidfd_open({target.pid})\n"
                    "fails = sum(libc.setns(fd, 0x10000000) != 0 for _ in range(3))\n"
                    "ok = libc.setns(fd, 0x40000000) == 0\n"
                    "print(f'fails {fails} ok {int(ok)}', file=sys.stderr)\n"
                    "time.sleep(1.2)\n")
            rep, _ = trace_cmd(["python3", "-c", code])
            p = setns_of(rep, comm="python3")
            f = p["setns"]["failures"][0]
            check(f["count"] == 3, "failures counted", 3, f["count"])
            check(f["target_kind"] == "pidfd", "target_kind", "pidfd", f["target_kind"])
            check(f.get("target_pid") == target.pid, "target pid named", target.pid,
                  f.get("target_pid"))
            check(f"pid {target.pid}" in f["explanation"] and "own user namespace" in f["explanation"],
                  "explanation names the pid and the cause", f"pid {target.pid} ... own user namespace",
                  f["explanation"])
            nets = [x for x in p["setns"]["successes"] if x["nstype"] == "net"]
            check(nets and nets[0]["count"] == 1, "the net entry through the pidfd is a success",
                  1, p["setns"]["successes"])
        finally:
            target.kill()
            target.wait()

    def unshare_eperm():
        rep, _ = trace_cmd(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "unshare", "--net", "true"])
        procs = [p for p in rep["processes"] if p.get("unshare", {}).get("failed")]
        check(procs, "a failed unshare in the report", ">= 1", 0)
        u = procs[0]["unshare"]["failures"][0]
        check(u["errno"] == "EPERM", "errno", "EPERM", u["errno"])
        check("CLONE_NEWNET" in u["flags"], "flags decoded", "CLONE_NEWNET", u["flags"])

    s.subtest("nsenter_on_plain_file", nsenter_plain_file)
    s.subtest("netns_bind_mount_gone_loop", netns_gone_loop)
    s.subtest("dockerd_tmpfs_case", dockerd_tmpfs)
    s.subtest("wrong_namespace_type", wrong_type)
    s.subtest("eperm_without_cap_sys_admin", eperm)
    s.subtest("ip_netns_exec_succeeds", ip_netns_exec)
    s.subtest("pidfd_target_named", pidfd_target)
    s.subtest("unshare_eperm_decoded", unshare_eperm)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-ns-")
    try:
        return s.run_all()
    finally:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    raise SystemExit(main())
