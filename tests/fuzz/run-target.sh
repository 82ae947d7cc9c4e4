#!/bin/bash
# Fuzz one of the smaller targets for FUZZ_SECONDS (default 20) from seeds
# made here:
#   text     text__escape(), html__escape() and the JSON string writer (fuzz_text.c): names
#            with escapes, C1, bidi controls, bytes that are not UTF-8
#   readers  the /proc, cgroup and sock_diag parsers (fuzz_readers.c): this
#            machine's own /proc files and sock_diag dumps, each behind the
#            selector byte its parser takes
# Prints "ok"/"not ok" for tests/run.sh; a crash leaves its input in
# build/fuzz/crash-* to replay with build/fuzz/fuzz_NAME FILE.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
NAME=$1
BIN=$OUT/fuzz/fuzz_$NAME
SECS=${FUZZ_SECONDS:-20}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
if [ ! -x "$BIN" ]; then
	echo "not ok fuzz/$NAME: $BIN not built (make fuzz)"
	exit 1
fi
python3 - "$NAME" "$corpus" <<'PY'
import os, socket, struct, sys
name, out = sys.argv[1], sys.argv[2]
n = 0
def seed(data):
    global n
    with open(os.path.join(out, f"seed{n}"), "wb") as f:
        f.write(data)
    n += 1
if name == "text":
    for s in [b"/var/run/docker.sock", b"\x1b[31mEVIL\x1b[0m\n", b"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b",
              b"a\xc2\x9b2J\xc2\x85", b"x\xe2\x80\xaeyz\xe2\x81\xa6\xe2\x80\xa8", b"a\xff\xfe\xc0\xaf\xed\xa0\x80",
              b"\\\t\r\x7f\"/", b"\xf4\x8f\xbf\xbf\xf4\x90\x80\x80", bytes(range(1, 256))]:
        seed(s)
else:
    # selector byte % 8: stat, status, smaps_rollup, comm, unix dump, TCP dump, cgroup, smaps
    for sel, f in enumerate(["stat", "status", "smaps_rollup", "comm"]):
        try:
            seed(bytes([sel]) + open(f"/proc/self/{f}", "rb").read())
        except OSError:
            pass
    seed(bytes([0]) + b"42 (a) b\n) (c) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0")
    seed(bytes([3]) + b"\x1b[31mEVIL\x1b[0m\n\n")
    try:
        seed(bytes([7]) + open("/proc/self/smaps", "rb").read()[:16384])
    except OSError:
        pass
    seed(bytes([7]) + b"7f00-7f10 ---p 00000000 00:00 0 \nRss: 0 kB\n"
         b"7f10-7f90 rw-p 00000000 00:00 0 \nRss: 8 kB\nSwap: 4 kB\n"
         b"7fa0-7fb0 r-xp 00000000 fe:00 12   /usr/lib/a b\\012c.so (deleted)\nRss: 4 kB\n"
         b"7fb0-7fc0 rw-s 00000000 00:01 5 /memfd:x (deleted)\nKernelPageSize: 2048 kB\n"
         b"Private_Hugetlb: 2048 kB\n")
    try:
        seed(bytes([6]) + open("/proc/self/cgroup", "rb").read())
    except OSError:
        pass
    cid = b"8394aa18728a29402f40483b0944acc65ba7f0e045627df93edd89ed30c34c09"
    uid = b"2a0f3c5e_1b7d_4c8e_9f10_a1b2c3d4e5f6"
    seed(bytes([6]) + b"9:name=systemd:/docker/" + cid + b"\n4:memory:/docker/" + cid + b"\n0::/\n")
    seed(bytes([6]) + b"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid
         + b".slice/cri-containerd-" + cid + b".scope\n")
    seed(bytes([6]) + b"0::/system.slice/cron.service\n")
    # real dumps of this machine's sockets (NETLINK_SOCK_DIAG = 4), one
    # recv() each; SOCK_DIAG_BY_FAMILY = 20, NLM_F_REQUEST|NLM_F_DUMP
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
        # unix_diag_req: family, protocol, pad, states, ino, show (NAME|PEER), cookie
        req = struct.pack("=BBHIIIII", socket.AF_UNIX, 0, 0, 0xffffffff, 0, 1 | 4, 0, 0)
        s.send(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0) + req)
        seed(bytes([4]) + s.recv(65536)[:8192])
        s.close()
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
        # inet_diag_req_v2: family, protocol, ext, pad, states, id (48 bytes)
        req = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xffffffff) + bytes(48)
        s.send(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 2, 0) + req)
        seed(bytes([5]) + s.recv(65536)[:8192])
        s.close()
    except OSError:
        pass
PY
log=$OUT/fuzz/last-run-$NAME.log
if "$BIN" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$OUT/fuzz/" \
	-print_final_stats=1 "$corpus" >"$log" 2>&1; then
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	echo "ok fuzz/$NAME ($runs inputs in ${SECS} s, no crash, every check held)"
else
	tail -30 "$log"
	echo "not ok fuzz/$NAME: see $log"
	exit 1
fi
