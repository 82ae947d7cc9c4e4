// SPDX-License-Identifier: GPL-2.0
/* Container attribution from cgroup paths (user/core/cgroup_path.c), and
 * the cgroup record through the model into the reports. */
#include "harness.h"
#include "fixtures.h"
#include "cgroup_path.h"

#define ID  "8394aa18728a29402f40483b0944acc65ba7f0e045627df93edd89ed30c34c09"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "2a0f3c5e-1b7d-4c8e-9f10-a1b2c3d4e5f6"
#define UID_ "2a0f3c5e_1b7d_4c8e_9f10_a1b2c3d4e5f6"

static struct cgroup_info parse(const char *path)
{
	struct cgroup_info ci;

	cgroup_path__parse(path, strlen(path), &ci);
	return ci;
}

TEST(docker_systemd_driver)
{
	struct cgroup_info ci = parse("/system.slice/docker-" ID ".scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_DOCKER);
	ASSERT_STREQ(ci.id, ID);
	ASSERT_STREQ(ci.pod_uid, "");
}

TEST(docker_cgroupfs_driver)
{
	struct cgroup_info ci = parse("/docker/" ID);

	ASSERT_EQ(ci.runtime, CGROUP_RT_DOCKER);
	ASSERT_STREQ(ci.id, ID);
}

TEST(rootless_docker_under_a_user_service)
{
	struct cgroup_info ci = parse("/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID ".scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_DOCKER);	/* not the user@ service */
	ASSERT_STREQ(ci.id, ID);
}

TEST(docker_in_docker_names_the_inner_container)
{
	struct cgroup_info ci = parse("/docker/" ID2 "/docker/" ID);

	ASSERT_EQ(ci.runtime, CGROUP_RT_DOCKER);
	ASSERT_STREQ(ci.id, ID);
}

TEST(a_cgroup_inside_a_container_is_the_container)
{
	struct cgroup_info ci = parse("/system.slice/docker-" ID ".scope/init.scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_DOCKER);
	ASSERT_STREQ(ci.id, ID);
}

TEST(containerd_kubepods_with_pod_uid)
{
	struct cgroup_info ci = parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
				      UID_ ".slice/cri-containerd-" ID ".scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_CONTAINERD);
	ASSERT_STREQ(ci.id, ID);
	ASSERT_STREQ(ci.pod_uid, UID);
}

TEST(guaranteed_pod_has_no_qos_slice)
{
	struct cgroup_info ci = parse("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_CONTAINERD);
	ASSERT_STREQ(ci.pod_uid, UID);
}

TEST(crio_and_its_conmon)
{
	struct cgroup_info ci = parse("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
				      UID_ ".slice/crio-" ID ".scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_CRIO);
	ASSERT_STREQ(ci.id, ID);
	ASSERT_STREQ(ci.pod_uid, UID);
	/* conmon watches the container from outside it */
	ci = parse("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
		   UID_ ".slice/crio-conmon-" ID ".scope");
	ASSERT_EQ(ci.runtime, CGROUP_RT_NONE);
	ASSERT_STREQ(ci.id, "");
	ASSERT_STREQ(ci.pod_uid, "");
}

TEST(kubepods_cgroupfs_driver)
{
	struct cgroup_info ci = parse("/kubepods/burstable/pod" UID "/" ID);

	ASSERT_EQ(ci.runtime, CGROUP_RT_KUBERNETES);
	ASSERT_STREQ(ci.id, ID);
	ASSERT_STREQ(ci.pod_uid, UID);
}

TEST(podman_scope_and_cgroupfs)
{
	struct cgroup_info ci = parse("/machine.slice/libpod-" ID ".scope");

	ASSERT_EQ(ci.runtime, CGROUP_RT_PODMAN);
	ASSERT_STREQ(ci.id, ID);
	ci = parse("/libpod_parent/libpod-" ID);
	ASSERT_EQ(ci.runtime, CGROUP_RT_PODMAN);
	ASSERT_STREQ(ci.id, ID);
	ci = parse("/machine.slice/libpod-conmon-" ID ".scope");
	ASSERT_EQ(ci.runtime, CGROUP_RT_NONE);
}

TEST(systemd_service_without_container)
{
	struct cgroup_info ci = parse("/system.slice/cron.service");

	ASSERT_EQ(ci.runtime, CGROUP_RT_SYSTEMD);
	ASSERT_STREQ(ci.unit, "cron.service");
	ASSERT_STREQ(ci.id, "");
	/* the deepest service */
	ci = parse("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service");
	ASSERT_STREQ(ci.unit, "foo.service");
	/* the docker daemon is a service, not a container */
	ci = parse("/system.slice/docker.service");
	ASSERT_EQ(ci.runtime, CGROUP_RT_SYSTEMD);
	ASSERT_STREQ(ci.unit, "docker.service");
}

TEST(no_container)
{
	const char *paths[] = { "/", "", "/user.slice/user-1000.slice/session-3.scope", "/init.scope",
				"/process_api/91a7080625ecd54554e3c956fd17cc0f", "/.service", "/" ID,
				"/docker", "/docker/", "/dockerx/" ID };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct cgroup_info ci;

		if (cgroup_path__parse(paths[i], strlen(paths[i]), &ci) || ci.runtime != CGROUP_RT_NONE)
			LS_FAIL("%s: expected no container, got runtime %d id '%s'", paths[i],
				ci.runtime, ci.id);
	}
}

TEST(ids_must_be_64_lowercase_hex)
{
	ASSERT_EQ(parse("/docker/" ID "0").runtime, CGROUP_RT_NONE);
	ASSERT_EQ(parse("/docker/8394AA18728A29402F40483B0944ACC65BA7F0E045627DF93EDD89ED30C34C09").runtime,
		  CGROUP_RT_NONE);
	ASSERT_EQ(parse("/system.slice/docker-" ID ".scopex").runtime, CGROUP_RT_NONE);
	ASSERT_EQ(parse("/system.slice/docker-8394aa18728a.scope").runtime, CGROUP_RT_NONE);
	ASSERT_EQ(parse("/system.slice/docker-" ID "g.scope").runtime, CGROUP_RT_NONE);
}

TEST(hostile_and_overlong_paths)
{
	static char big[70000];
	struct cgroup_info ci;

	/* a pod slice too short for its uid reads nothing (and nothing
	 * before the component) */
	ci = parse("/kubepods-pod.slice/x");
	ASSERT_STREQ(ci.pod_uid, "");
	ci = parse("/kubepods-podzzzzzzzz_1b7d_4c8e_9f10_a1b2c3d4e5f6.slice/crio-" ID ".scope");
	ASSERT_STREQ(ci.pod_uid, "");
	ASSERT_EQ(ci.runtime, CGROUP_RT_CRIO);
	/* a huge path of slashes and a unit name longer than the field */
	memset(big, '/', sizeof(big) - 1);
	ci = parse(big);
	ASSERT_EQ(ci.runtime, CGROUP_RT_NONE);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	memcpy(big + sizeof(big) - 1 - 8, ".service", 8);
	ci = parse(big);
	ASSERT_EQ(ci.runtime, CGROUP_RT_SYSTEMD);
	ASSERT_EQ(strlen(ci.unit), CGROUP_UNIT_LEN - 1);
	/* len bounds the read: the id past len is not seen */
	ASSERT_FALSE(cgroup_path__parse("/docker/" ID, 20, &ci));
	/* a NUL ends the path */
	ASSERT_FALSE(cgroup_path__parse("/docker/\0" ID, 8 + 1 + 64, &ci));
}

static int from_proc(const char *text, char *out, size_t len, bool *cut)
{
	return cgroup_path__from_proc(text, out, len, cut);
}

TEST(proc_v2_line)
{
	char out[256];
	bool cut;

	ASSERT_EQ(from_proc("0::/system.slice/docker-" ID ".scope\n", out, sizeof(out), &cut),
		  (int)strlen("/system.slice/docker-" ID ".scope"));
	ASSERT_STREQ(out, "/system.slice/docker-" ID ".scope");
	ASSERT_FALSE(cut);
	ASSERT_EQ(from_proc("0::/\n", out, sizeof(out), &cut), 1);
	ASSERT_STREQ(out, "/");
}

TEST(proc_hybrid_prefers_the_line_naming_a_container)
{
	/* this machine's shape: cgroupfs docker on v1, v2 left at "/" */
	const char *t = "9:name=systemd:/docker/" ID "\n4:memory:/docker/" ID "\n1:cpu:/docker/" ID
			"\n0::/\n";
	char out[256];
	bool cut;

	ASSERT_GE(from_proc(t, out, sizeof(out), &cut), 0);
	ASSERT_STREQ(out, "/docker/" ID);
	/* nothing names a container: the v2 line */
	ASSERT_GE(from_proc("9:name=systemd:/user.slice\n4:memory:/x\n0::/init.scope\n", out,
			    sizeof(out), &cut), 0);
	ASSERT_STREQ(out, "/init.scope");
}

TEST(proc_v1_only)
{
	char out[256];
	bool cut;

	ASSERT_GE(from_proc("12:memory:/docker/" ID "\n11:cpu,cpuacct:/docker/" ID "\n", out,
			    sizeof(out), &cut), 0);
	ASSERT_STREQ(out, "/docker/" ID);
	ASSERT_GE(from_proc("3:cpu:/a\n1:name=systemd:/system.slice/cron.service\n", out, sizeof(out), &cut), 0);
	ASSERT_STREQ(out, "/system.slice/cron.service");
	/* a v1 line for neither: nothing to attribute by */
	ASSERT_EQ(from_proc("3:cpu:/docker/" ID "\n", out, sizeof(out), &cut), -1);
}

TEST(proc_forged_lines_are_refused)
{
	char out[256];
	bool cut;

	/* a cgroup named "x\n0::/docker/ID" forges a second v2 line */
	ASSERT_EQ(from_proc("0::/user.slice/x\n0::/docker/" ID "\n", out, sizeof(out), &cut), -1);
	/* a second name=systemd line under another number */
	ASSERT_EQ(from_proc("9:name=systemd:/a\n12:name=systemd:/docker/" ID "\n0::/\n", out,
			    sizeof(out), &cut), -1);
	/* a hierarchy twice */
	ASSERT_EQ(from_proc("4:cpu:/a\n4:blkio:/b\n0::/\n", out, sizeof(out), &cut), -1);
	/* a line that is not "N:ctl:/path" */
	ASSERT_EQ(from_proc("0::/a\n/docker/" ID "\n", out, sizeof(out), &cut), -1);
	ASSERT_EQ(from_proc("0::relative\n", out, sizeof(out), &cut), -1);
	ASSERT_EQ(from_proc("x::/a\n", out, sizeof(out), &cut), -1);
	ASSERT_EQ(from_proc("0:/a\n", out, sizeof(out), &cut), -1);
	/* cut off mid-line, or empty */
	ASSERT_EQ(from_proc("0::/docker/" ID, out, sizeof(out), &cut), -1);
	ASSERT_EQ(from_proc("", out, sizeof(out), &cut), -1);
	ASSERT_STREQ(out, "");
}

TEST(proc_long_path_keeps_its_leaf)
{
	static char t[5000], want[5000];
	char out[128];
	bool cut;
	int n;

	strcpy(want, "/");
	for (int i = 0; i < 40; i++)
		strcat(want, "nested-level/");
	strcat(want, "docker-" ID ".scope");
	snprintf(t, sizeof(t), "0::%s\n", want);
	n = from_proc(t, out, sizeof(out), &cut);
	ASSERT_EQ(n, (int)sizeof(out) - 1);
	ASSERT_TRUE(cut);
	ASSERT_STREQ(out, want + strlen(want) - (sizeof(out) - 1));
	ASSERT_EQ(parse(out).runtime, CGROUP_RT_DOCKER);
}

TEST(within_and_prefixes)
{
	ASSERT_TRUE(cgroup_path__within("/a", "/a"));
	ASSERT_TRUE(cgroup_path__within("/a/b", "/a"));
	ASSERT_TRUE(cgroup_path__within("/a/b", "/a/"));
	ASSERT_FALSE(cgroup_path__within("/ab", "/a"));
	ASSERT_FALSE(cgroup_path__within("/", "/a"));
	ASSERT_TRUE(cgroup_path__within("/x", "/"));
	ASSERT_TRUE(cgroup_path__valid_prefix("8394aa"));
	ASSERT_TRUE(cgroup_path__valid_prefix("8394AA"));
	ASSERT_TRUE(cgroup_path__valid_prefix(ID));
	ASSERT_FALSE(cgroup_path__valid_prefix("8394a"));
	ASSERT_FALSE(cgroup_path__valid_prefix("xyz"));
	ASSERT_FALSE(cgroup_path__valid_prefix(ID "0"));
	ASSERT_FALSE(cgroup_path__valid_prefix("8394aa-"));
	ASSERT_TRUE(cgroup_path__id_matches(ID, "8394AA18728a"));
	ASSERT_FALSE(cgroup_path__id_matches(ID, "8394ab"));
	ASSERT_FALSE(cgroup_path__id_matches("", "8394aa"));
}

/* ---- the record through the model into the reports */

static void fx_cgroup(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts, const char *path,
		      const char *name, uint32_t flags)
{
	struct ls_proc_cgroup c = { 0 };

	fx_hdr(&c.hdr, LS_REC_PROC_CGROUP, sizeof(c), tgid, ts);
	c.start_ns = start;
	c.flags = flags;
	snprintf(c.path, sizeof(c.path), "%s", path);
	snprintf(c.name, sizeof(c.name), "%s", name);
	model__ingest(m, &c.hdr, sizeof(c));
}

TEST(record_names_the_container_in_both_reports)
{
	struct model *m = fx_model(16);
	char *json, *text;

	for (int i = 0; i < 3; i++)
		fx_sample(m, 100, 5, (uint64_t)(i + 1) * SEC, 1 << 20, 0, 0);
	for (int i = 0; i < 3; i++)
		fx_sample(m, 200, 5, (uint64_t)(i + 1) * SEC, 1 << 20, 0, 0);
	fx_cgroup(m, 100, 5, SEC, "/docker/" ID, "web\x1b[2J", 0);
	fx_cgroup(m, 200, 5, SEC, "/system.slice/cron.service", "", 0);
	fx_interval(m, 4 * SEC, true);
	json = fx_report_json(m);
	ASSERT_CONTAINS(json, "\"cgroup\":\"/docker/" ID "\",\"container\":{\"id\":\"" ID
			"\",\"runtime\":\"docker\",\"name\":\"web\\u001b[2J\"}");
	ASSERT_CONTAINS(json, "\"container\":{\"id\":null,\"runtime\":\"systemd\",\"name\":\"cron.service\"}");
	text = fx_final_text(m);
	ASSERT_CONTAINS(text, "(docker container 8394aa18728a web\\x1b[2J)");
	ASSERT_CONTAINS(text, "(systemd cron.service)");
	ASSERT_TRUE(strchr(text, 0x1b) == NULL);
	free(json);
	free(text);
	model__free(m);
}

TEST(no_record_no_container)
{
	struct model *m = fx_model(16);
	char *json;

	for (int i = 0; i < 3; i++)
		fx_sample(m, 100, 5, (uint64_t)(i + 1) * SEC, 1 << 20, 0, 0);
	fx_interval(m, 4 * SEC, true);
	json = fx_report_json(m);
	ASSERT_CONTAINS(json, "\"cgroup\":\"\",\"container\":null");
	free(json);
	model__free(m);
}

TEST(cut_path_is_marked_and_unterminated_fields_are_bounded)
{
	struct model *m = fx_model(16);
	struct ls_proc_cgroup c;
	const struct ls_process *p;
	char *json;

	for (int i = 0; i < 3; i++)
		fx_sample(m, 100, 5, (uint64_t)(i + 1) * SEC, 1 << 20, 0, 0);
	fx_cgroup(m, 100, 5, SEC, "level/docker-" ID ".scope", "", LS_CGROUP_CUT);
	fx_interval(m, 4 * SEC, true);
	json = fx_report_json(m);
	ASSERT_CONTAINS(json, "\"cgroup\":\"...level/docker-" ID ".scope\"");
	ASSERT_CONTAINS(json, "\"runtime\":\"docker\"");
	free(json);
	/* no NUL anywhere: the model cuts at its own bounds */
	memset(&c, 'a', sizeof(c));
	fx_hdr(&c.hdr, LS_REC_PROC_CGROUP, sizeof(c), 100, 5 * SEC);
	c.start_ns = 5;
	ASSERT_EQ(model__ingest(m, &c.hdr, sizeof(c)), 0);
	p = model__find(m, 100);
	ASSERT_EQ(strlen(p->cgroup), LS_CGROUP_LEN - 1);
	ASSERT_EQ(strlen(p->container_name), LS_CONTAINER_NAME_LEN - 1);
	/* a wrong size is refused */
	ASSERT_EQ(model__ingest(m, &c.hdr, sizeof(c) - 8), -1);
	model__free(m);
}

TEST(unix_peer_carries_its_container_id)
{
	struct model *m = fx_model(16);
	struct ls_unix_conn a = { 0 }, b = { 0 };
	char *json;

	/* client 100 (in the container) connects to server 200 */
	for (int i = 0; i < 3; i++) {
		fx_sample(m, 100, 5, (uint64_t)(i + 1) * SEC, 1 << 20, 0, 0);
		fx_sample(m, 200, 6, (uint64_t)(i + 1) * SEC, 1 << 20, 0, 0);
	}
	fx_cgroup(m, 100, 5, SEC, "/docker/" ID, "", 0);
	fx_hdr(&a.hdr, LS_REC_UNIX_CONN, sizeof(a), 100, 2 * SEC);
	a.start_ns = 5; a.sk = 0x1000; a.peer_sk = 0x2000; a.ino = 11; a.fd = 3;
	a.kind = LS_UNIX_CONNECT; a.sock_type = 1;
	model__ingest(m, &a.hdr, sizeof(a));
	fx_hdr(&b.hdr, LS_REC_UNIX_CONN, sizeof(b), 200, 2 * SEC + 1);
	b.start_ns = 6; b.sk = 0x2000; b.peer_sk = 0x1000; b.ino = 12; b.fd = 4;
	b.kind = LS_UNIX_ACCEPT; b.sock_type = 1; b.peer_tgid = 100;
	model__ingest(m, &b.hdr, sizeof(b));
	fx_interval(m, 4 * SEC, true);
	json = fx_report_json(m);
	ASSERT_CONTAINS(json, "{\"pid\":100,\"comm\":\"\",\"exe\":\"\",\"container_id\":\"" ID "\"");
	free(json);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
