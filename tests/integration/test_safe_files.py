# SPDX-License-Identifier: GPL-2.0
"""record never writes through a link or over a file it was not told to
replace; report reads regular files only (issue 22)."""
import os
import socket
import stat
import subprocess
import tempfile

from lsharness import LEAKSCOPE, Suite, check


def run(argv, timeout=60):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def one_error_line(p, *needles):
    check(p.returncode == 1, "exit status", 1, f"{p.returncode}: {p.stderr.strip()[-300:]}")
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(len(lines) == 1 and lines[0].startswith("Error: "), "one 'Error: ' line on stderr",
          "Error: ...", lines)
    for needle in needles:
        check(needle in lines[0], f"says '{needle}'", needle, lines[0])


def read(path):
    with open(path) as f:
        return f.read()


def main():
    s = Suite("safe_files")

    def put_target():
        with open(target, "w") as f:
            f.write("precious\n")
        os.chmod(target, 0o644)

    def refuses_symlink():
        put_target()
        link = os.path.join(tmp, "link.lsrec")
        os.symlink(target, link)
        one_error_line(run([LEAKSCOPE, "record", "-o", link, "-d", "1", "-p", me]),
                       f"{link} is a symbolic link")
        check(read(target) == "precious\n", "the link's target untouched", "precious", read(target))
        check(os.path.islink(link), "the link still there", "a link", os.lstat(link))
        # a dangling link: following it would create the file at its target
        dangling = os.path.join(tmp, "dangling.lsrec")
        os.symlink(os.path.join(tmp, "made-through-link"), dangling)
        one_error_line(run([LEAKSCOPE, "record", "-o", dangling, "-d", "1", "-p", me]),
                       "is a symbolic link")
        check(not os.path.exists(os.path.join(tmp, "made-through-link")), "nothing at its target",
              "no file", "a file")

    def refuses_existing():
        put_target()
        one_error_line(run([LEAKSCOPE, "record", "-o", target, "-d", "1", "-p", me]),
                       f"{target} exists")
        check(read(target) == "precious\n", "the file untouched", "precious", read(target))

    def force_replaces_link():
        put_target()
        link = os.path.join(tmp, "forced.lsrec")
        os.symlink(target, link)
        p = run([LEAKSCOPE, "record", "-o", link, "--force", "-d", "3", "-i", "1", "-p", me])
        check(p.returncode == 0, "record --force exit status", 0, p.stderr[-300:])
        st = os.lstat(link)
        check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600,
              "the link replaced by a private regular file", "regular, 0600",
              f"{stat.filemode(st.st_mode)}")
        check(read(target) == "precious\n", "the link's target untouched", "precious",
              read(target))
        r = run([LEAKSCOPE, "report", link])
        check(r.returncode == 0 and "=== leakscope report" in r.stdout, "the recording reads",
              "a report", f"{r.returncode}: {r.stderr[-200:]}")
        left = [n for n in os.listdir(tmp) if n.startswith(".")]
        check(not left, "no temporary file left", [], left)
        # an existing recording replaced, also made private
        os.chmod(link, 0o644)
        p = run([LEAKSCOPE, "record", "-o", link, "--force", "-d", "1", "-i", "1", "-p", me])
        check(p.returncode == 0 and stat.S_IMODE(os.lstat(link).st_mode) == 0o600,
              "an existing file replaced by a 0600 one", "0, 0600",
              (p.returncode, oct(stat.S_IMODE(os.lstat(link).st_mode))))

    def failed_run():
        # a run that fails after the file is made (the command cannot be
        # run) leaves no recording, and with --force the old file as it was
        new = os.path.join(tmp, "never.lsrec")
        one_error_line(run([LEAKSCOPE, "record", "-o", new, "--", "/nonexistent/cmd"]),
                       "cannot run /nonexistent/cmd")
        check(not os.path.exists(new), "no file left", "none", "a file")
        put_target()
        one_error_line(run([LEAKSCOPE, "record", "-o", target, "--force", "--",
                            "/nonexistent/cmd"]), "cannot run /nonexistent/cmd")
        check(read(target) == "precious\n", "--force: the old file as it was", "precious",
              read(target))
        left = [n for n in os.listdir(tmp) if n.startswith(".")]
        check(not left, "no temporary file left", [], left)

    def report_refuses():
        fifo = os.path.join(tmp, "fifo")
        os.mkfifo(fifo)
        blk = os.path.join(tmp, "blockdev")
        os.mknod(blk, 0o600 | stat.S_IFBLK, os.makedev(7, 0))
        chr_ = os.path.join(tmp, "chardev")
        os.mknod(chr_, 0o600 | stat.S_IFCHR, os.makedev(1, 3))	# /dev/null's numbers
        sock = os.path.join(tmp, "sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(sock)
        srv.listen(1)
        try:
            # a FIFO with no writer would block an open() for ever
            for path, kind in ((fifo, "a FIFO"), (blk, "a block device"),
                               (chr_, "a character device"), (tmp, "a directory"),
                               (sock, "a socket")):
                one_error_line(run([LEAKSCOPE, "report", path], timeout=10),
                               f"{path}: {kind}", "not a leakscope recording")
        finally:
            srv.close()

    s.subtest("record_refuses_a_symlink", refuses_symlink)
    s.subtest("record_refuses_an_existing_file", refuses_existing)
    s.subtest("force_replaces_the_link_not_its_target", force_replaces_link)
    s.subtest("failed_run_leaves_no_file", failed_run)
    s.subtest("report_refuses_fifo_device_directory_socket", report_refuses)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-files-")
    target = os.path.join(tmp, "precious")
    me = str(os.getpid())
    try:
        return s.run_all()
    finally:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    raise SystemExit(main())
