// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the /proc and sock_diag parsers (user/procfs.c,
 * user/sockdiag.c) fed what a read or a recv() could give them: cut short,
 * garbage, lengths that lie.  The first byte picks the parser, the rest is
 * its input.  Must never crash or read out of bounds (ASan, UBSan), and
 * what they make of it must hold: a comm of at most 15 bytes, NUL-filled;
 * sock_diag records the model takes as well formed, with a path no longer
 * than a path; a cgroup path (user/core/cgroup_path.c) within its buffer,
 * and a container id of exactly 64 hex digits or none; smaps by region
 * class (user/regions.c): every mapping in one class, names NUL-ended in
 * their fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "cgroup_path.h"
#include "procfs.h"
#include "records.h"
#include "regions.h"
#include "sockdiag.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static void on_emit(void *ctx, const struct ls_rec_hdr *rec, size_t len, uint64_t ino)
{
	(void)ctx;
	(void)ino;
	REQUIRE(ls_rec_check(rec, len) == 0);
	REQUIRE(rec->tgid == 77);
	if (rec->type == LS_REC_UNIX_EXISTING) {
		const struct ls_unix_existing *u = (const void *)rec;

		REQUIRE(len == sizeof(*u) && u->path_len <= LS_PATH_LEN);
	} else {
		REQUIRE(rec->type == LS_REC_TCP_EXISTING && len == sizeof(struct ls_tcp_existing));
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ls_proc_sample s;
	struct procfs_stat st;
	char comm[LS_COMM_LEN];
	unsigned char *in;

	if (!size)
		return 0;
	/* the input after the selector, with the NUL the readers' buffers end
	 * with, in an allocation of its own: ASan sees any read past it */
	in = malloc(size);
	if (!in)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = 0;	/* the readers' buffers end with a NUL */
	memset(&s, 0, sizeof(s));
	switch (data[0] % 8) {
	case 0:
		if (procfs__parse_stat((char *)in, &st) == 0)
			REQUIRE(strrchr((char *)in, ')'));
		break;
	case 1:
		procfs__parse_status((char *)in, &s);
		break;
	case 2:
		procfs__parse_rollup((char *)in, &s);
		break;
	case 3:
		procfs__parse_comm((char *)in, size - 1, comm);
		REQUIRE(strnlen(comm, LS_COMM_LEN) < LS_COMM_LEN);
		for (size_t i = strlen(comm); i < LS_COMM_LEN; i++)
			REQUIRE(comm[i] == 0);
		break;
	case 6: {
		/* /proc/PID/cgroup, into a small buffer (the record's) so the
		 * cut is exercised; then the container of what it gave */
		char path[LS_CGROUP_LEN];
		struct cgroup_info ci;
		bool cut;
		int n = cgroup_path__from_proc((char *)in, path, sizeof(path), &cut);

		if (n < 0)
			break;
		REQUIRE((size_t)n < sizeof(path) && strlen(path) == (size_t)n);
		REQUIRE(cut || path[0] == '/');
		if (cgroup_path__parse(path, (size_t)n, &ci)) {
			REQUIRE(strlen(ci.id) == CGROUP_ID_LEN && strspn(ci.id, "0123456789abcdef") == CGROUP_ID_LEN);
			REQUIRE(strstr(path, ci.id));
			REQUIRE(ci.runtime != CGROUP_RT_NONE && ci.runtime != CGROUP_RT_SYSTEMD);
		} else {
			REQUIRE(ci.id[0] == 0 && ci.pod_uid[0] == 0);
		}
		REQUIRE(strnlen(ci.unit, CGROUP_UNIT_LEN) < CGROUP_UNIT_LEN);
		REQUIRE(!ci.pod_uid[0] || strlen(ci.pod_uid) == CGROUP_UID_LEN);
		break;
	}
	case 7: {
		/* /proc/PID/smaps, its bytes as they are (not NUL-ended) */
		static struct ls_proc_regions r;
		uint64_t count = 0, sp;

		regions__parse((const char *)data + 1, size - 1, &r);
		for (int c = 0; c < LS_REGION_CLASSES; c++)
			count += r.classes[c].count;
		REQUIRE(count == r.mappings);
		REQUIRE(r.mappings <= size);
		for (int k = 0; k < LS_REGION_NAMED; k++)
			for (int j = 0; j < LS_REGION_TOP_NAMES; j++)
				REQUIRE(strnlen(r.names[k][j].name, LS_REGION_NAME_LEN) < LS_REGION_NAME_LEN);
		/* and as a /proc/PID/task/TID/syscall text */
		if (regions__parse_syscall_sp((char *)in, &sp) == 0)
			REQUIRE(strstr((char *)in, "0x"));
		break;
	}
	case 4:
	case 5: {
		/* the recv()'s bytes, not NUL-terminated, in a buffer of their
		 * size: ASan sees a read past them */
		unsigned char *buf = malloc(size - 1 ? size - 1 : 1);

		if (!buf)
			break;
		memcpy(buf, data + 1, size - 1);
		sockdiag__parse_buffer(buf, size - 1, data[0] % 6 == 4 ? AF_UNIX : AF_INET, 77,
				       on_emit, NULL);
		free(buf);
		break;
	}
	}
	free(in);
	return 0;
}
