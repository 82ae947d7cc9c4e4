#!/bin/bash
# Fuzz the recording reader for FUZZ_SECONDS (default 60) from a seed corpus
# of real recordings (tests/data/*.lsrec).  Prints "ok"/"not ok" for
# tests/run.sh; a crash leaves its input in build/fuzz/crash-* to replay
# with build/fuzz/fuzz_recording FILE.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
BIN=$OUT/fuzz/fuzz_recording
SECS=${FUZZ_SECONDS:-60}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/data/*.lsrec "$corpus"/
# and their record streams, which the target wraps in well-formed files (so
# mutations get past the block CRCs): 4 KiB pieces keep mutations cheap
python3 - "$corpus" tests/data/*.lsrec <<'PY'
import os, struct, sys, zlib
out = sys.argv[1]
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    off, n = 16 + struct.unpack_from("<I", data, 12)[0] + 4, 0
    while off + 16 <= len(data):
        tag, clen, rlen, crc = struct.unpack_from("<IIII", data, off)
        if tag != 0x4b42534c:
            break
        raw = zlib.decompress(data[off + 16:off + 16 + clen], -15)
        for i in range(0, len(raw), 4096):
            with open(os.path.join(out, f"{os.path.basename(path)}.{n}.raw"), "wb") as f:
                f.write(raw[i:i + 4096])
            n += 1
        off += 16 + clen
# a stream with cgroup records (format 4; the committed recordings are
# older): samples of two processes, one in a docker container with a
# hostile name, one cut path, and a final interval
def hdr(t, size, tgid, ts):
    return struct.pack("<HHIQ", t, size, tgid, ts)
def sample(tgid, ts):
    return hdr(102, 112, tgid, ts) + struct.pack("<QII10Q", 5, 0, 3, 1 << 20, *([0] * 9))
def cgroup(tgid, ts, path, name, flags=0):
    return (hdr(106, 352, tgid, ts) + struct.pack("<QII", 5, flags, 0) + path.ljust(256, b"\0")[:256]
            + name.ljust(64, b"\0")[:64])
cid = b"8394aa18728a29402f40483b0944acc65ba7f0e045627df93edd89ed30c34c09"
raw = b""
for i in range(1, 4):
    raw += sample(100, i * 10**9) + sample(200, i * 10**9)
raw += cgroup(100, 10**9, b"/system.slice/docker-" + cid + b".scope", b"web\x1b[2J\xff")
raw += cgroup(200, 10**9, b"x" * 200 + b"/kubepods-pod2a0f3c5e_1b7d_4c8e_9f10_a1b2c3d4e5f6.slice/crio-" + cid, b"", 1)
raw += hdr(110, 112, 0, 4 * 10**9) + struct.pack("<Q8QQQII", 10**9, *([0] * 8), 0, 0, 1, 0)
with open(os.path.join(out, "cgroup.raw"), "wb") as f:
    f.write(raw)
# --heap records (format 6): a traced process's counters and two sites with
# hostile frames, and a skipped one with a hostile why_not
def heap(tgid, ts, flags, allocator, why):
    return (hdr(108, 288, tgid, ts) + struct.pack("<QII", 5, flags, 262144)
            + struct.pack("<4Q2q2Q", 1000, 875, 1 << 20, 40, 40 << 18, 40, 1, 0)
            + struct.pack("<4Q", 0, 1, 0, 0) + allocator.ljust(64, b"\0")[:64]
            + why.ljust(96, b"\xff")[:96])
def site(tgid, ts, oldest, frames):
    return (hdr(109, 440, tgid, ts) + struct.pack("<QQQQII", 5, 3 << 18, 3, oldest, len(frames), 0)
            + b"".join(f.ljust(96, b"\0")[:96] for f in (frames + [b""] * 4)[:4]))
raw = sample(100, 10**9) + sample(200, 10**9)
raw += heap(100, 2 * 10**9, 1, b"/usr/lib/x86_64-linux-gnu/libc.so.6", b"")
raw += site(100, 2 * 10**9, 10**9, [b"leak\x1b[2J+0x1 (a\xffb)", b"main+0x10 (prog)"])
raw += site(100, 2 * 10**9, 3 * 10**9, [b"x" * 96])
raw += heap(200, 2 * 10**9, 0, b"", b"a Go binary\x1b]0;t\x07")
raw += hdr(110, 112, 0, 3 * 10**9) + struct.pack("<Q8QQQII", 10**9, *([0] * 8), 0, 0, 1, 0)
with open(os.path.join(out, "heap.raw"), "wb") as f:
    f.write(raw)
PY
if [ ! -x "$BIN" ]; then
	echo "not ok fuzz/recording_reader: $BIN not built (make fuzz)"
	exit 1
fi
log=$OUT/fuzz/last-run.log
if "$BIN" -max_total_time="$SECS" -rss_limit_mb=2048 -artifact_prefix="$OUT/fuzz/" \
	-print_final_stats=1 "$corpus" >"$log" 2>&1; then
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	echo "ok fuzz/recording_reader ($runs inputs in ${SECS} s, no crash)"
else
	tail -30 "$log"
	echo "not ok fuzz/recording_reader: see $log"
	exit 1
fi
