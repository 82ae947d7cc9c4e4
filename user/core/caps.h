/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which capabilities leakscope needs, and which it keeps once attached.
 * Policy only, as masks (bit n: capability n): user/privs.c reads and sets
 * them.  Plain C, unit-tested (tests/unit/test_caps.c).
 *
 * To run (root has them all; without root, grant exactly these):
 *   CAP_BPF            load programs, create and read maps
 *   CAP_PERFMON        attach to tracepoints, read user stacks and other
 *                      processes' memory from BPF
 *   CAP_DAC_READ_SEARCH  tracefs (mode 0700) for the tracepoints' ids, other
 *                      users' /proc/PID/fd directories, their executables
 *                      and libraries for symbols
 *   CAP_SYS_PTRACE     other users' /proc/PID files: exe, fd links (the
 *                      sockets open before attach), smaps_rollup (LazyFree),
 *                      maps, ns/net
 *   CAP_SYS_RESOURCE   only on kernels before 5.11, whose BPF maps count
 *                      against RLIMIT_MEMLOCK, unless that is unlimited
 * CAP_SYS_ADMIN stands for CAP_BPF and CAP_PERFMON (kernels before 5.8 know
 * only it), CAP_DAC_OVERRIDE for CAP_DAC_READ_SEARCH.  Not needed:
 * CAP_NET_ADMIN (sock_diag dumps unix and TCP sockets to anyone),
 * CAP_SYS_ADMIN on 5.8 and later (but to mount tracefs where it is not
 * mounted).
 *
 * Kept once attached (everything else is dropped from the effective,
 * permitted, inheritable and ambient sets):
 *   CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE   /proc is read every interval
 *   CAP_BPF            maps are read every interval, and bpf() asks for it
 *                      even to read a map by fd while unprivileged BPF is
 *                      off (the default); CAP_SYS_ADMIN before 5.8
 *   CAP_CHECKPOINT_RESTORE  if held: /proc/PID/map_files, the only way to
 *                      a mapped file deleted or replaced on disk
 *   CAP_PERFMON (and CAP_BPF)  with --bench-toggle only, which attaches
 *                      again
 *   CAP_DAC_OVERRIDE, CAP_FOWNER  while `record --force` has yet to rename
 *                      its file into place (a directory root does not own,
 *                      a sticky one), then dropped; with `--html --force`
 *                      until the page is renamed, at the end of the run
 */
#ifndef LS_CAPS_H
#define LS_CAPS_H
#include <stddef.h>
#include <stdint.h>

#define LS_CAP(n)			(1ULL << (n))
#define LS_CAP_DAC_OVERRIDE		1
#define LS_CAP_DAC_READ_SEARCH		2
#define LS_CAP_FOWNER			3
#define LS_CAP_SYS_PTRACE		19
#define LS_CAP_SYS_ADMIN		21
#define LS_CAP_SYS_RESOURCE		24
#define LS_CAP_PERFMON			38
#define LS_CAP_BPF			39
#define LS_CAP_CHECKPOINT_RESTORE	40

/* Kernel version as major * 1000 + minor ("6.18.44-fc" is 6018); 0 if it
 * cannot be read. */
unsigned caps__kernel_version(const char *release);

/* The capabilities missing from eff to run (0: none). */
uint64_t caps__missing(uint64_t eff, unsigned kver, int memlock_unlimited);
/* What to keep of eff once attached. */
uint64_t caps__keep(uint64_t eff, unsigned kver, int bench_toggle, int rename_pending);
/* "CAP_BPF, CAP_PERFMON" (known names; others as "cap N"). */
void caps__names(uint64_t mask, char *buf, size_t len);
/* What every run needs (named in the error message): before 5.11, without
 * an unlimited RLIMIT_MEMLOCK, CAP_SYS_RESOURCE too. */
uint64_t caps__required(unsigned kver, int memlock_unlimited);

#endif
