/* SPDX-License-Identifier: GPL-2.0 */
/*
 * setns() and unshare(): each call, with what setns's fd really was.  The
 * fd is resolved at sys_enter (the caller may close it right after), the
 * record is sent at sys_exit with the result.  Rare calls: ring buffer.
 */
#ifndef LS_NS_BPF_H
#define LS_NS_BPF_H
#include "common.bpf.h"

#define LS_NSFS_MAGIC		0x6e736673
#define LS_PIDFS_MAGIC		0x50494446
#define LS_ANON_INODE_MAGIC	0x09041934
#define LS_S_IFMT		00170000
#define LS_S_IFSOCK		0140000
#define LS_S_IFREG		0100000
#define LS_S_IFDIR		0040000
#define LS_S_IFCHR		0020000
#define LS_S_IFIFO		0010000
#define LS_PATH_STEPS		8	/* dentries walked, mounts crossed included */

/* Before 6.18 the namespace type was ops->type. */
struct proc_ns_operations___old {
	int type;
} __attribute__((preserve_access_index));

struct ns_common___old {
	const struct proc_ns_operations___old *ops;
} __attribute__((preserve_access_index));

/* setns records in flight, per thread, from sys_enter to sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ls_setns);
} setns_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_setns);
} setns_scratch SEC(".maps");

static __always_inline __u32 ns_type_of(struct ns_common *ns)
{
	if (bpf_core_field_exists(ns->ns_type))
		return BPF_CORE_READ(ns, ns_type);
	return BPF_CORE_READ((struct ns_common___old *)ns, ops, type);
}

static __always_inline __u32 kind_of_mode(__u32 mode)
{
	switch (mode & LS_S_IFMT) {
	case LS_S_IFREG: return LS_TARGET_REGULAR;
	case LS_S_IFDIR: return LS_TARGET_DIR;
	case LS_S_IFSOCK: return LS_TARGET_SOCKET;
	case LS_S_IFCHR: return LS_TARGET_CHAR;
	case LS_S_IFIFO: return LS_TARGET_FIFO;
	default: return LS_TARGET_OTHER;
	}
}

/* Names from the file up, crossing mount points, so a file on a tmpfs
 * mounted at /run reads run/docker/netns/ID and not docker/netns/ID. */
static __always_inline void path_names(struct ls_setns *e, struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vmnt = BPF_CORE_READ(f, f_path.mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	__u32 level = 0;

	for (int step = 0; step < LS_PATH_STEPS && level < LS_NAME_LEVELS; step++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		struct dentry *mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);

		if (d == mnt_root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt) {
				/* the root of the mount tree: its name is "/" */
				if (level < LS_NAME_LEVELS)
					bpf_probe_read_kernel_str(e->name[level], LS_NAME_LEN,
								  BPF_CORE_READ(d, d_name.name));
				break;
			}
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		if (level >= LS_NAME_LEVELS)
			break;
		bpf_probe_read_kernel_str(e->name[level], LS_NAME_LEN, BPF_CORE_READ(d, d_name.name));
		level++;
		if (parent == d)
			break;
		d = parent;
	}
}

SEC("tracepoint/syscalls/sys_enter_setns")
int ls_enter_setns(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, zero = 0;
	struct ls_setns *e;
	struct inode *inode;
	struct file *f;

	if (!is_traced(tgid))
		return 0;
	e = bpf_map_lookup_elem(&setns_scratch, &zero);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = LS_REC_SETNS;
	e->hdr.size = sizeof(*e);
	e->hdr.tgid = tgid;
	e->start_ns = current_start_ns();
	e->tid = tid;
	e->fd = (__s32)ctx->args[0];
	e->nstype = (__s32)ctx->args[1];
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	f = fd_to_file(e->fd);
	if (!f) {
		e->target_kind = LS_TARGET_BADFD;
	} else {
		inode = BPF_CORE_READ(f, f_inode);
		e->target_ino = BPF_CORE_READ(inode, i_ino);
		e->mode = BPF_CORE_READ(inode, i_mode);
		e->fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);
		path_names(e, f);
		if (e->fs_magic == LS_NSFS_MAGIC) {
			struct ns_common *ns = BPF_CORE_READ(inode, i_private);

			e->target_kind = LS_TARGET_NSFS;
			if (ns)
				e->target_nstype = ns_type_of(ns);
		} else if (e->fs_magic == LS_PIDFS_MAGIC ||
			   (e->fs_magic == LS_ANON_INODE_MAGIC && e->name[0][0] == '[' &&
			    e->name[0][1] == 'p' && e->name[0][2] == 'i')) {
			/* pidfs keeps the struct pid in the inode on recent
			 * kernels (file->private_data is then not the pid);
			 * the anon-inode "[pidfd]" and early pidfs keep it in
			 * the file */
			struct pid *pid = NULL;

			if (e->fs_magic == LS_PIDFS_MAGIC)
				pid = BPF_CORE_READ(inode, i_private);
			if (!pid)
				pid = BPF_CORE_READ(f, private_data);
			e->target_kind = LS_TARGET_PIDFD;
			if (pid)
				e->target_pid = BPF_CORE_READ(pid, numbers[0].nr);
		} else {
			e->target_kind = kind_of_mode(e->mode);
		}
	}
	if (bpf_map_update_elem(&setns_inflight, &tid, e, BPF_ANY))
		count_drop(LS_DROP_PENDING);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setns")
int ls_exit_setns(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ls_setns *e = bpf_map_lookup_elem(&setns_inflight, &tid);
	__u64 avail;

	if (!e)
		return 0;
	e->ret = (__s32)ctx->ret;
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	/* the ring's fill once this record is in it */
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + rb_taken(sizeof(*e));
	if (bpf_ringbuf_output(&events, e, sizeof(*e), rb_wakeup_flags(avail, sizeof(*e))))
		count_drop(LS_DROP_RINGBUF);
	bpf_map_delete_elem(&setns_inflight, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int ls_enter_unshare(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid;

	if (current_traced(&tgid))
		pending_save(ctx, PEND_UNSHARE, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unshare")
int ls_exit_unshare(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_call *pc = pending_get(PEND_UNSHARE);
	struct ls_unshare *e;
	__u64 flags;

	if (!pc)
		return 0;
	flags = pc->args[0];
	pending_del(pc);
	e = emit_reserve(sizeof(*e), LS_REC_UNSHARE, bpf_get_current_pid_tgid() >> 32);
	if (!e)
		return 0;
	e->start_ns = current_start_ns();
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->ret = (__s32)ctx->ret;
	e->flags = flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	emit_submit(e);
	return 0;
}

#endif
