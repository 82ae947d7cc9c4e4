#!/bin/bash
# Extract a fetched kernel's BTF to a file, as the running kernel would show it
# in /sys/kernel/btf/vmlinux (raw BTF: what --btf FILE and bpftool take).
#   tests/kernels/btf.sh KERNEL_DIR OUT
# KERNEL_DIR comes from fetch.sh (any architecture: KARCH=arm64 fetch.sh ...).
# No guest is booted: the vmlinuz is decompressed (x86 bzImage: its payload,
# xz or zstd; arm64: the Image, gzip'd or not, or an EFI zboot image) and the kernel's
# .BTF blob is found by its header (CONFIG_DEBUG_INFO_BTF puts it in the image
# between __start_BTF and __stop_BTF), then checked with bpftool.
set -euo pipefail
kdir=${1:?usage: btf.sh KERNEL_DIR OUT}
out=${2:?usage: btf.sh KERNEL_DIR OUT}
[ -e "$kdir/vmlinuz" ] || { echo "Error: $kdir/vmlinuz not found (fetch.sh makes KERNEL_DIR)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "Error: bpftool not found (make deps)" >&2; exit 1; }
command -v zstd >/dev/null || { echo "Error: zstd not found (make deps)" >&2; exit 1; }

python3 - "$kdir/vmlinuz" "$out.tmp" <<'PY'
import gzip, lzma, struct, subprocess, sys, zlib

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()


def die(msg):
    sys.exit(f"Error: {src}: {msg}")


def u32(off):
    return struct.unpack_from("<I", data, off)[0]


def decompress(blob):
    """gzip, xz or zstd by magic; trailing bytes (x86 appends the size) ignored."""
    if blob[:2] == b"\x1f\x8b":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(blob)
    if blob[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMADecompressor().decompress(blob)
    if blob[:4] == b"\x28\xb5\x2f\xfd":
        # zstd -d refuses trailing garbage but has written the frame by then
        p = subprocess.run(["zstd", "-dcq"], input=blob, capture_output=True)
        if not p.stdout:
            die(f"zstd: {p.stderr.decode().strip()}")
        return p.stdout
    die(f"unknown compression (magic {blob[:6].hex()})")


if data[0x38:0x3C] == b"ARM\x64":                # arm64 Image, as Debian installs it
    image = data
elif data[:2] == b"\x1f\x8b":                    # arm64: a gzip'd Image
    image = decompress(data)
elif data[0x202:0x206] == b"HdrS":               # x86 bzImage: setup, then the payload
    setup_sects = data[0x1F1] or 4
    off = (setup_sects + 1) * 512 + u32(0x248)
    image = decompress(data[off:off + u32(0x24C)])
elif data[:2] == b"MZ" and data[4:8] == b"zimg":  # EFI zboot (arm64 6.x may use it)
    image = decompress(data[u32(8):u32(8) + u32(12)])
else:
    die("neither a bzImage, a gzip'd Image nor an EFI zboot image")

# btf_header: magic 0xeb9f, version 1, flags 0, hdr_len 24, then type_off,
# type_len, str_off, str_len (types first, strings right after them)
best = None
start = 0
head = struct.pack("<HBBI", 0xEB9F, 1, 0, 24)
while True:
    i = image.find(head, start)
    if i < 0:
        break
    start = i + 1
    type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", image, i + 8)
    size = 24 + str_off + str_len
    if type_off == 0 and str_off == type_len and str_len and i + size <= len(image):
        if image[i + 24 + str_off] == 0 and (best is None or size > best[1]):
            best = (i, size)
if best is None:
    die("no BTF in the kernel image (CONFIG_DEBUG_INFO_BTF off?)")
with open(dst, "wb") as f:
    f.write(image[best[0]:best[0] + best[1]])
PY
# the kernel's types must all parse, and the ones the BPF side reads be there
if ! bpftool btf dump file "$out.tmp" format raw 2>/dev/null |
	grep -E "^\[[0-9]+\] STRUCT 'task_struct'" >/dev/null; then
	rm -f "$out.tmp"
	echo "Error: the BTF found in $kdir/vmlinuz does not parse or lacks task_struct" >&2
	exit 1
fi
mv "$out.tmp" "$out"
