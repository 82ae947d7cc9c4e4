#!/bin/bash
# Boot a fetched Debian kernel in QEMU and run a command in it as root.
#   tests/kernels/boot.sh KERNEL_DIR [CMD ARGS...]   (default CMD: uname -a)
# KERNEL_DIR comes from fetch.sh. The guest sees the host's root read-only over
# 9p (the tools, python3 and the built tree come as they are on the host), with
# tmpfs on /tmp and /run; the command runs in the current directory. Exits with
# the command's status, or 125 when the guest gave none (boot failure, timeout).
# KTEST_TIMEOUT (seconds, default 1800), KTEST_MEM (default 2G), KTEST_CPUS (2);
# KTEST_TCG_THREAD: single (default) or multi. One host thread runs all of a
# guest's CPUs: with a thread each (multi), a CPU ran code another had just
# rewritten (text_poke_bp of the syscall tracepoints' jump label, as a first
# program attaches or the last detaches): 6.12 oopsed on the int3 at
# syscall_trace_enter+0xd8, and 6.1 hung twice at the same place
# (docs/kernels.md). Two guests at a time keep both host CPUs busy anyway.
# KTEST_LOG=FILE keeps the command's output (without the console's noise) there,
# also when the guest gives no status.
set -euo pipefail
kdir=$(cd "${1:?usage: boot.sh KERNEL_DIR [CMD ARGS...]}" && pwd)
shift
[ $# -gt 0 ] || set -- uname -a
here=$(cd "$(dirname "$0")" && pwd)
release=$(cat "$kdir/release")
modbase=$kdir/$(cat "$kdir/modbase")

# The initramfs: busybox, stage 1, and the modules a 9p root needs (in load
# order, decompressed: busybox's insmod reads plain .ko files). Kept beside the
# kernel, made again when stage 1 changes.
initrd=$kdir/initrd.cpio.gz
if [ ! -f "$initrd" ] || [ "$here/initramfs-init" -nt "$initrd" ]; then
	work=$(mktemp -d)
	mkdir -p "$work/bin" "$work/modules"
	cp /bin/busybox "$work/bin/busybox"
	cp "$here/initramfs-init" "$work/init"
	: >"$work/modules.order"
	for m in virtio_pci 9pnet_virtio 9p; do
		/usr/sbin/modprobe -d "$modbase" -S "$release" --show-depends "$m" |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++' | while read -r ko; do
		name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
		case "$ko" in
		*.xz) xz -dc "$ko" >"$work/modules/$name" ;;
		*.zst) zstd -qdc "$ko" >"$work/modules/$name" ;;
		*) cp "$ko" "$work/modules/$name" ;;
		esac
		echo "$name" >>"$work/modules.order"
	done
	(cd "$work" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$work"
fi

case "${KTEST_TCG_THREAD:-single}" in single | multi) ;; *)
	echo "Error: KTEST_TCG_THREAD=$KTEST_TCG_THREAD: single or multi" >&2
	exit 2 ;;
esac

job=$(mktemp -d /tmp/ktest-job.XXXXXX)
keep_log() {
	if [ -n "${KTEST_LOG:-}" ]; then cp "$job/out" "$KTEST_LOG" 2>/dev/null || : >"$KTEST_LOG"; fi
	rm -rf "$job"
}
trap keep_log EXIT
{
	printf 'cd %q || exit 125\n' "$PWD"
	# the caller's test knobs travel with the command
	for v in OUT TESTS FUZZ_SECONDS LEAKSCOPE_FORCE; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'exec'; printf ' %q' "$@"; printf '\n'
} >"$job/cmd"

timeout --foreground "${KTEST_TIMEOUT:-1800}" qemu-system-x86_64 \
	-nodefaults -no-user-config -nographic -no-reboot \
	-machine q35 -accel "tcg,thread=${KTEST_TCG_THREAD:-single}" -cpu max \
	-smp "${KTEST_CPUS:-2}" -m "${KTEST_MEM:-2G}" \
	-serial stdio \
	-kernel "$kdir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off ktest_init=$here/guest-init.sh ktest_modbase=$modbase" \
	-fsdev "local,id=rootfs,path=/,security_model=none,readonly=on,multidevs=remap" \
	-device virtio-9p-pci,fsdev=rootfs,mount_tag=rootfs \
	-fsdev "local,id=job,path=$job,security_model=none" \
	-device virtio-9p-pci,fsdev=job,mount_tag=job </dev/null || true
[ -s "$job/rc" ] || { echo "ktest: $release gave no exit status (boot failure or timeout)" >&2; exit 125; }
exit "$(cat "$job/rc")"
