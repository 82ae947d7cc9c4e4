#!/bin/sh
# Regenerate vmlinux/<arch>/vmlinux.h from the running kernel's BTF, or from a
# BTF file of another kernel (any architecture):
#   vmlinux/gen-vmlinux.sh
#   BTF=FILE ARCH=arm64 vmlinux/gen-vmlinux.sh
# CO-RE relocations make one header good for every kernel with BTF, so this
# only needs re-running to pick up types newer kernels add. The arm64 header
# comes from Debian's arm64 kernel (make vmlinux-arm64).
set -eu
btf=${BTF:-/sys/kernel/btf/vmlinux}
case "${ARCH:-$(uname -m)}" in
	x86_64 | x86) arch=x86 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) arch=${ARCH:-$(uname -m)} ;;
esac
dir=$(dirname "$0")/$arch
[ -r "$btf" ] || { echo "Error: no BTF at $btf (kernel needs CONFIG_DEBUG_INFO_BTF=y)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "Error: bpftool not found (apt-get install bpftool)" >&2; exit 1; }
mkdir -p "$dir"
bpftool btf dump file "$btf" format c > "$dir/vmlinux.h.tmp"
mv "$dir/vmlinux.h.tmp" "$dir/vmlinux.h"
echo "wrote $dir/vmlinux.h"
