// SPDX-License-Identifier: GPL-2.0
/* What the BPF object needs of the system before it is opened: privileges,
 * BTF (the kernel's, or --btf FILE), tracefs (mounted if missing); which
 * tracepoints exist; libbpf quiet unless -v. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_env.h"
#include "kernel_features.h"
#include "options.h"
#include "privs.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TRACEFS_MAGIC	0x74726163

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!ls_verbose && level != LIBBPF_WARN)
		return 0;
	if (!ls_verbose)
		return 0;	/* warnings too: the tool prints its own errors */
	return vfprintf(stderr, fmt, ap);
}

void bpf_env__libbpf_quiet(void)
{
	libbpf_set_print(libbpf_print);
}

static int ensure_tracefs(void)
{
	struct statfs st;

	if (statfs(TRACEFS, &st) == 0 && (unsigned long)st.f_type == TRACEFS_MAGIC)
		return 0;
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;	/* libbpf falls back to debugfs */
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) == 0) {
		if (ls_verbose)
			fprintf(stderr, "leakscope: mounted tracefs at %s\n", TRACEFS);
		return 0;
	}
	ls_error("tracefs is not mounted at %s and mounting it failed (%s): "
		 "syscall tracepoints need it (mount -t tracefs tracefs %s)",
		 TRACEFS, strerror(errno), TRACEFS);
	return -1;
}

int bpf_env__check(const char *btf_path)
{
	/* root is not enough in a user namespace, and the right
	 * capabilities are enough without root (caps.h) */
	if (privs__check())
		return -1;
	bpf_env__libbpf_quiet();
	if (btf_path) {
		struct btf *btf;
		int fd = open(btf_path, O_RDONLY | O_CLOEXEC);
		long err;

		if (fd < 0) {
			ls_error("--btf %s: %s", btf_path, strerror(errno));
			return -1;
		}
		close(fd);
		btf = btf__parse(btf_path, NULL);
		err = libbpf_get_error(btf);
		if (err || btf__type_cnt(btf) <= 1 ||
		    btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) <= 0) {
			char why[128] = "no struct task_struct in it";

			if (err)
				libbpf_strerror((int)err, why, sizeof(why));
			ls_error("--btf %s: not a kernel's BTF (%s): give the running kernel's, raw as "
				 "/sys/kernel/btf/vmlinux shows it or an ELF file with a .BTF section",
				 btf_path, why);
			if (!err)
				btf__free(btf);
			return -1;
		}
		btf__free(btf);
	} else if (!features__kernel_btf()) {
		ls_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): give its BTF with "
			 "--btf FILE (BTFHub has files for many distribution kernels), or use a "
			 "kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	return ensure_tracefs();
}

int bpf_env__tracepoint_exists(const char *sec, const struct btf *vmlinux)
{
	char path[256], name[160];
	struct stat st;

	if (!strncmp(sec, "tracepoint/", 11)) {
		/* stat, not access(): access() checks the real uid, ignoring
		 * capabilities such as CAP_DAC_READ_SEARCH */
		snprintf(path, sizeof(path), TRACEFS "/events/%s", sec + 11);
		if (stat(path, &st) == 0)
			return 1;
		if (errno == EACCES) {
			ls_error("cannot read %s: permission denied (tracefs is readable by root; "
				 "without root leakscope also needs CAP_DAC_READ_SEARCH)", TRACEFS);
			return -1;
		}
		snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s", sec + 11);
		return stat(path, &st) == 0;
	}
	if (!strncmp(sec, "tp_btf/", 7)) {
		snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
		return vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
	}
	if (!strncmp(sec, "raw_tp/", 7)) {
		/* the same typedef, in the BTF given for a kernel without its own */
		snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
		return !vmlinux || btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
	}
	return 1;
}

int bpf_env__tp_btf_nargs(const struct btf *vmlinux, const char *tp)
{
	const struct btf_type *t;
	char name[160];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = vmlinux ? btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) : -1;
	if (id <= 0)
		return -1;
	t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);	/* the pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(vmlinux, t->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
}
