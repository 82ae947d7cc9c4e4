#!/bin/bash
# Stage 2 (PID 1 in the guest, on the host's root shared read-only): give the
# guest the mounts a host has, run the job the host left in /run/ktest/cmd, keep
# its status in /run/ktest/rc, power off. Variables come from the kernel command
# line: ktest_modbase (the kernel's modules, for modprobe -d).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
for d in /tmp /run /var/tmp; do mount -t tmpfs tmpfs "$d"; done
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /run/ktest /run/netns /run/lock
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 job /run/ktest

# The host has no /lib/modules for this kernel: the kernel asks our modprobe,
# which looks in the package fetched for it.
printf '#!/bin/sh\nexec /usr/sbin/modprobe -d %s "$@"\n' "$ktest_modbase" >/run/modprobe
chmod +x /run/modprobe
echo /run/modprobe >/proc/sys/kernel/modprobe
for m in unix_diag inet_diag tcp_diag udp_diag veth; do /run/modprobe -q "$m"; done
ip link set lo up
hostname ktest

# booted quiet (loglevel=1); from here warnings reach the console, so that a
# hung task or a soft lockup comes with its stack in R.console
echo 5 >/proc/sys/kernel/printk
echo "ktest: $(uname -r) up in $(cut -d' ' -f1 /proc/uptime) s"
# The output goes to the job directory (the host keeps it with KTEST_LOG, free
# of the console's kernel messages) and from there to the console. Not a pipe:
# a process the command leaves behind holding its stdout must not hold us.
bash /run/ktest/cmd </dev/null >/run/ktest/out 2>&1 &
cmd=$!
tail -n +1 -s 0.5 -f --pid=$cmd /run/ktest/out >/dev/console &
wait $cmd
echo $? >/run/ktest/rc
wait
sync
echo o >/proc/sysrq-trigger
sleep 10
