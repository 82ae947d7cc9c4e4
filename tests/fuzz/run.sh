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
