// SPDX-License-Identifier: GPL-2.0
/* setns failures: grouping and every explanation, from synthetic records. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "ns_model.h"

#define PID 812
#define CLONE_NEWNET_ 0x40000000
#define CLONE_NEWNS_ 0x00020000
#define CLONE_NEWUSER_ 0x10000000

static struct ls_setns rec(int fd, int nstype, int err, uint32_t kind, uint64_t magic,
			   const char *leaf, const char *p1, const char *p2, const char *p3)
{
	struct ls_setns e = { 0 };

	e.hdr.type = LS_REC_SETNS;
	e.hdr.size = sizeof(e);
	e.hdr.tgid = PID;
	e.start_ns = 3 * SEC;
	e.tid = PID + 1;
	e.fd = fd;
	e.nstype = nstype;
	e.ret = -err;
	e.target_kind = kind;
	e.fs_magic = magic;
	e.target_ino = 1000 + fd;
	snprintf(e.name[0], LS_NAME_LEN, "%s", leaf ? leaf : "");
	snprintf(e.name[1], LS_NAME_LEN, "%s", p1 ? p1 : "");
	snprintf(e.name[2], LS_NAME_LEN, "%s", p2 ? p2 : "");
	snprintf(e.name[3], LS_NAME_LEN, "%s", p3 ? p3 : "");
	snprintf(e.comm, LS_COMM_LEN, "dockerd");
	return e;
}

static void feed(struct model *m, struct ls_setns *e, uint64_t ts)
{
	e->hdr.ts_ns = ts;
	if (model__ingest(m, &e->hdr, sizeof(*e)))
		fprintf(stdout, "#   the model rejected a setns record\n");
}

static char *json_of(struct model *m)
{
	fx_interval(m, 100 * SEC, true);
	return fx_report_json(m);
}

static struct model *new_model(void)
{
	return fx_model(0);
}

TEST(plain_file_whose_bind_mount_is_gone)
{
	struct model *m = new_model();
	char *js;

	/* dockerd, once a second: fd 214 on /run/docker/netns/bc51d3e (tmpfs) */
	for (int i = 0; i < 60; i++) {
		struct ls_setns e = rec(214, CLONE_NEWNET_, EINVAL, LS_TARGET_REGULAR, 0x01021994,
					"bc51d3e", "netns", "docker", "run");

		feed(m, &e, (uint64_t)(10 + i) * SEC);
	}
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"calls\":60,\"failed\":60");
	ASSERT_CONTAINS(js, "\"errno\":\"EINVAL\",\"nstype\":\"net\",\"fd\":214");
	ASSERT_CONTAINS(js, "\"target\":\".../run/docker/netns/bc51d3e\"");
	ASSERT_CONTAINS(js, "\"target_kind\":\"regular-file\",\"target_fs\":\"tmpfs\"");
	ASSERT_CONTAINS(js, "\"count\":60");
	ASSERT_CONTAINS(js, "\"rate_per_s\":1.00");
	ASSERT_CONTAINS(js, "fd 214 is .../run/docker/netns/bc51d3e, a plain file on tmpfs, not a "
			"namespace: its nsfs bind mount is gone");
	ASSERT_TRUE(ns_model__notable(model__find(m, PID)));
	free(js);
	model__free(m);
}

TEST(short_path_has_no_ellipsis)
{
	struct model *m = new_model();
	struct ls_setns e = rec(3, CLONE_NEWNET_, EINVAL, LS_TARGET_REGULAR, 0xef53, "x", "netns",
				"run", "/");
	char *js;

	feed(m, &e, SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"target\":\"/run/netns/x\"");
	ASSERT_CONTAINS(js, "a plain file on ext4");
	free(js);
	model__free(m);
}

TEST(namespace_of_another_type)
{
	struct model *m = new_model();
	struct ls_setns e = rec(5, CLONE_NEWNET_, EINVAL, LS_TARGET_NSFS, 0x6e736673,
				"mnt:[4026531841]", NULL, NULL, NULL);
	char *js;

	e.target_nstype = CLONE_NEWNS_;
	feed(m, &e, SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"target_kind\":\"nsfs\",\"target_fs\":\"nsfs\",\"target_nstype\":\"mnt\"");
	ASSERT_CONTAINS(js, "fd 5 is a mnt namespace (mnt:[4026531841]) but setns asked for net "
			"(CLONE_NEWNET)");
	free(js);
	model__free(m);
}

TEST(eperm_names_the_missing_capability)
{
	struct model *m = new_model();
	struct ls_setns e = rec(7, CLONE_NEWNET_, EPERM, LS_TARGET_NSFS, 0x6e736673,
				"net:[4026531840]", NULL, NULL, NULL);
	char *js;

	e.target_nstype = CLONE_NEWNET_;
	feed(m, &e, SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"errno\":\"EPERM\"");
	ASSERT_CONTAINS(js, "needs CAP_SYS_ADMIN in the user namespace that owns it");
	free(js);
	model__free(m);
}

TEST(einval_user_namespace_multithreaded)
{
	struct model *m = new_model();
	struct ls_setns e = rec(8, CLONE_NEWUSER_, EINVAL, LS_TARGET_NSFS, 0x6e736673,
				"user:[4026531837]", NULL, NULL, NULL);
	char *js;

	e.target_nstype = CLONE_NEWUSER_;
	feed(m, &e, SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "a multithreaded process cannot join a user namespace");
	free(js);
	model__free(m);
}

TEST(einval_mount_namespace_shared_fs)
{
	struct model *m = new_model();
	struct ls_setns e = rec(9, 0, EINVAL, LS_TARGET_NSFS, 0x6e736673, "mnt:[4026531841]",
				NULL, NULL, NULL);
	char *js;

	e.target_nstype = CLONE_NEWNS_;
	feed(m, &e, SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"nstype\":\"any\"");
	ASSERT_CONTAINS(js, "while the fs struct is shared");
	free(js);
	model__free(m);
}

TEST(ebadf_and_pidfd)
{
	struct model *m = new_model();
	struct ls_setns bad = rec(99, CLONE_NEWNET_, EBADF, LS_TARGET_BADFD, 0, NULL, NULL, NULL, NULL);
	struct ls_setns pidfd = rec(4, CLONE_NEWNET_, ESRCH, LS_TARGET_PIDFD, 0x50494446, "pidfd",
				    NULL, NULL, NULL);
	char *js;

	pidfd.target_pid = 4321;
	feed(m, &bad, SEC);
	feed(m, &pidfd, 2 * SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "fd 99 is not an open file descriptor");
	ASSERT_CONTAINS(js, "\"target_kind\":\"pidfd\"");
	ASSERT_CONTAINS(js, "\"target_pid\":4321");
	ASSERT_CONTAINS(js, "fd 4 is a pidfd for pid 4321, which has exited");
	free(js);
	model__free(m);
}

TEST(pidfd_on_pidfs_named_by_pid)
{
	struct model *m = new_model();
	/* pidfs (6.9+) names the dentry "/": the target is the pid, not a path */
	struct ls_setns own_user = rec(3, 0x10000000, EINVAL, LS_TARGET_PIDFD, 0x50494446, "/",
				       NULL, NULL, NULL);
	struct ls_setns net_ok = rec(3, CLONE_NEWNET_, 0, LS_TARGET_PIDFD, 0x50494446, "/",
				     NULL, NULL, NULL);
	char *js;

	own_user.target_pid = 777;
	net_ok.target_pid = 777;
	feed(m, &own_user, SEC);
	feed(m, &net_ok, 2 * SEC);
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"target\":\"[pidfd] pid 777\"");
	ASSERT_CONTAINS(js, "fd 3 is a pidfd for pid 777; setns(user) failed with EINVAL: "
			"a process cannot join its own user namespace");
	ASSERT_CONTAINS(js, "\"successes\":[{\"nstype\":\"net\"");
	free(js);
	model__free(m);
}

TEST(successes_are_context_not_failures)
{
	struct model *m = new_model();
	char *js;

	for (int i = 0; i < 3; i++) {
		struct ls_setns e = rec(6, CLONE_NEWNET_, 0, LS_TARGET_NSFS, 0x6e736673,
					"net:[4026532000]", NULL, NULL, NULL);

		e.target_nstype = CLONE_NEWNET_;
		feed(m, &e, (uint64_t)(i + 1) * SEC);
	}
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"calls\":3,\"failed\":0,\"failures\":[]");
	ASSERT_CONTAINS(js, "\"successes\":[{\"nstype\":\"net\",\"ino\":1006,\"count\":3}]");
	ASSERT_FALSE(ns_model__notable(model__find(m, PID)));
	free(js);
	model__free(m);
}

TEST(groups_are_bounded_and_counted)
{
	struct model *m = new_model();
	char *js;

	for (int fd = 0; fd < 40; fd++) {	/* 40 different targets */
		struct ls_setns e = rec(fd, CLONE_NEWNET_, EINVAL, LS_TARGET_REGULAR, 0xef53, "f",
					NULL, NULL, NULL);

		feed(m, &e, SEC);
	}
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"failed\":40");
	ASSERT_CONTAINS(js, "\"groups_dropped\":24");
	free(js);
	model__free(m);
}

TEST(unshare_flags_decoded)
{
	struct model *m = new_model();
	struct ls_unshare u = { 0 };
	char *js;

	fx_hdr(&u.hdr, LS_REC_UNSHARE, sizeof(u), PID, SEC);
	u.start_ns = 3 * SEC;
	u.ret = -EPERM;
	u.flags = CLONE_NEWNET_ | CLONE_NEWNS_;
	model__ingest(m, &u.hdr, sizeof(u));
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"unshare\":{\"calls\":1,\"failed\":1,\"failures\":[{\"flags\":"
			"\"CLONE_NEWNS|CLONE_NEWNET\",\"errno\":\"EPERM\",\"count\":1");
	free(js);
	model__free(m);
}

/* Found by the fuzzer: a damaged recording's ret of INT32_MIN was negated
 * (undefined).  Returns below -4095 are not errnos: counted as bad records. */
TEST(return_below_any_errno_is_a_bad_record)
{
	struct model *m = new_model();
	struct ls_setns e = rec(3, CLONE_NEWNET_, 0, LS_TARGET_NSFS, 0, "net", NULL, NULL, NULL);
	struct ls_unshare u = { 0 };
	char *js;

	e.ret = INT32_MIN;
	feed(m, &e, SEC);
	fx_hdr(&u.hdr, LS_REC_UNSHARE, sizeof(u), PID, SEC);
	u.start_ns = 3 * SEC;
	u.ret = -4096;
	model__ingest(m, &u.hdr, sizeof(u));
	ASSERT_EQ(m->bad_records, 2);
	js = json_of(m);
	ASSERT_CONTAINS(js, "\"bad_records\":2");
	free(js);
	model__free(m);
}

TEST(names)
{
	ASSERT_STREQ(ns_type_name(0), "any");
	ASSERT_STREQ(ns_type_name(CLONE_NEWNET_), "net");
	ASSERT_STREQ(ns_errno_name(EINVAL), "EINVAL");
	ASSERT_STREQ(ns_fs_name(0x01021994), "tmpfs");
	ASSERT_STREQ(ns_fs_name(0xef53), "ext4");
	ASSERT_STREQ(ns_kind_name(LS_TARGET_REGULAR), "regular-file");
}

int main(void)
{
	return RUN_TESTS();
}
