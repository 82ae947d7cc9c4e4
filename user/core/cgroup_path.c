// SPDX-License-Identifier: GPL-2.0
/* Container attribution from a cgroup path (cgroup_path.h). */
#include <string.h>
#include "cgroup_path.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* exactly 64 lowercase hex digits: what every runtime names its ids with */
static bool is_id(const char *s, size_t n)
{
	if (n != CGROUP_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

static bool starts(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);

	return n >= k && !memcmp(s, pre, k);
}

static bool ends(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !memcmp(s + n - k, suf, k);
}

/* "<pre><64 hex><suf>" (suf may be ""): the id's offset, or 0 */
static size_t id_between(const char *s, size_t n, const char *pre, const char *suf)
{
	size_t a = strlen(pre), b = strlen(suf);

	if (n != a + CGROUP_ID_LEN + b || !starts(s, n, pre) || !ends(s, n, suf))
		return 0;
	return is_id(s + a, CGROUP_ID_LEN) ? a : 0;
}

/* a pod uid, 8-4-4-4-12 hex, with sep ('-', or '_' in systemd slices) */
static bool is_uid(const char *s, size_t n, char sep)
{
	if (n != CGROUP_UID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !is_hex(s[i]))
			return false;
	}
	return true;
}

/* A component's pod uid: "kubepods-<qos>-pod<uid>.slice" (systemd driver,
 * '_' for '-') or "pod<uid>" (cgroupfs driver); false if it is neither. */
static bool pod_uid_of(const char *c, size_t n, char out[CGROUP_UID_LEN + 1])
{
	const char *u = NULL;
	char sep = '-';

	if (starts(c, n, "kubepods") && ends(c, n, ".slice") && n >= 8 + 4 + CGROUP_UID_LEN + 6) {
		u = c + n - 6 - CGROUP_UID_LEN;
		if (memcmp(u - 4, "-pod", 4))
			return false;
		sep = '_';
	} else if (n == 3 + CGROUP_UID_LEN && starts(c, n, "pod")) {
		u = c + 3;
	}
	if (!u || !is_uid(u, CGROUP_UID_LEN, sep))
		return false;
	for (size_t i = 0; i < CGROUP_UID_LEN; i++)
		out[i] = u[i] == '_' ? '-' : u[i];
	out[CGROUP_UID_LEN] = 0;
	return true;
}

struct comp {
	const char *s;
	size_t n;
};

/* the component ending at path[end) and its start */
static struct comp comp_before(const char *path, size_t end)
{
	size_t b = end;

	while (b > 0 && path[b - 1] != '/')
		b--;
	return (struct comp){ path + b, end - b };
}

bool cgroup_path__parse(const char *path, size_t len, struct cgroup_info *out)
{
	size_t end;
	bool kube = false;

	memset(out, 0, sizeof(*out));
	len = strnlen(path, len);
	/* Kubernetes anywhere above: the pod, and bare ids are its containers */
	for (end = len; end > 0;) {
		struct comp c = comp_before(path, end);

		if (starts(c.s, c.n, "kubepods"))
			kube = true;
		if (!out->pod_uid[0])
			pod_uid_of(c.s, c.n, out->pod_uid);
		end = c.s > path ? (size_t)(c.s - path) - 1 : 0;
	}
	/* the innermost container: walk from the leaf up */
	for (end = len; end > 0;) {
		struct comp c = comp_before(path, end), parent = { NULL, 0 };
		enum cgroup_runtime rt = CGROUP_RT_NONE;
		size_t off;

		if (c.s > path)
			parent = comp_before(path, (size_t)(c.s - path) - 1);
		if ((off = id_between(c.s, c.n, "docker-", ".scope")))
			rt = CGROUP_RT_DOCKER;
		else if ((off = id_between(c.s, c.n, "cri-containerd-", ".scope")))
			rt = CGROUP_RT_CONTAINERD;
		else if ((off = id_between(c.s, c.n, "crio-", ".scope")))
			rt = CGROUP_RT_CRIO;
		else if ((off = id_between(c.s, c.n, "libpod-", ".scope")) ||
			 (off = id_between(c.s, c.n, "libpod-", "")))
			rt = CGROUP_RT_PODMAN;
		else if (is_id(c.s, c.n) && parent.s && parent.n == 6 && !memcmp(parent.s, "docker", 6))
			rt = CGROUP_RT_DOCKER;	/* off 0: the whole component */
		else if (is_id(c.s, c.n) && kube)
			rt = CGROUP_RT_KUBERNETES;
		if (rt != CGROUP_RT_NONE) {
			out->runtime = rt;
			memcpy(out->id, c.s + off, CGROUP_ID_LEN);
			out->id[CGROUP_ID_LEN] = 0;
			return true;
		}
		end = c.s > path ? (size_t)(c.s - path) - 1 : 0;
	}
	out->pod_uid[0] = 0;	/* a pod's own cgroup (its pause process aside) */
	/* no container: the deepest systemd service */
	for (end = len; end > 0;) {
		struct comp c = comp_before(path, end);

		if (c.n > 8 && ends(c.s, c.n, ".service")) {
			size_t n = c.n < CGROUP_UNIT_LEN - 1 ? c.n : CGROUP_UNIT_LEN - 1;

			out->runtime = CGROUP_RT_SYSTEMD;
			memcpy(out->unit, c.s, n);
			out->unit[n] = 0;
			break;
		}
		end = c.s > path ? (size_t)(c.s - path) - 1 : 0;
	}
	return false;
}

/* One line "N:controllers:path" of /proc/PID/cgroup: false if malformed. */
struct cg_line {
	unsigned long hier;
	const char *ctl, *path;
	size_t ctl_n, path_n;
};

static bool split_line(const char *s, size_t n, struct cg_line *l)
{
	const char *c1, *c2;
	size_t i = 0;

	l->hier = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 6)
		l->hier = l->hier * 10 + (unsigned long)(s[i++] - '0');
	if (i == 0 || i >= n || s[i] != ':')
		return false;
	c1 = s + i;
	c2 = memchr(c1 + 1, ':', n - i - 1);
	if (!c2)
		return false;
	l->ctl = c1 + 1;
	l->ctl_n = (size_t)(c2 - c1 - 1);
	l->path = c2 + 1;
	l->path_n = n - (size_t)(l->path - s);
	return l->path_n > 0 && l->path[0] == '/';
}

/* "name=systemd" or "memory" among a v1 line's comma-separated controllers */
static bool has_ctl(const struct cg_line *l, const char *want)
{
	size_t k = strlen(want);

	for (size_t i = 0; i < l->ctl_n;) {
		const char *e = memchr(l->ctl + i, ',', l->ctl_n - i);
		size_t n = e ? (size_t)(e - l->ctl) - i : l->ctl_n - i;

		if (n == k && !memcmp(l->ctl + i, want, k))
			return true;
		i += n + 1;
	}
	return false;
}

#define CG_MAX_LINES 64

int cgroup_path__from_proc(const char *text, char *out, size_t outlen, bool *cut)
{
	/* candidates in order of preference: v2, name=systemd, memory */
	struct cg_line cand[3];
	int found[3] = { 0 };
	unsigned long seen[CG_MAX_LINES];
	size_t nseen = 0, len = strlen(text), pos = 0;
	int pick = -1;

	*cut = false;
	if (!outlen)
		return -1;
	out[0] = 0;
	/* a cgroup name may hold a newline, and so forge a line: any line
	 * that does not parse, a hierarchy twice or a wanted line twice,
	 * and the whole file is refused; so is a file cut off mid-line */
	if (!len || text[len - 1] != '\n')
		return -1;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (size_t)(nl - text) - pos;
		struct cg_line l;
		int k = -1;

		if (!split_line(text + pos, n, &l) || nseen == CG_MAX_LINES)
			return -1;
		for (size_t i = 0; i < nseen; i++)
			if (seen[i] == l.hier)
				return -1;
		seen[nseen++] = l.hier;
		if (l.hier == 0 && l.ctl_n == 0)
			k = 0;
		else if (l.hier != 0 && has_ctl(&l, "name=systemd"))
			k = 1;
		else if (l.hier != 0 && has_ctl(&l, "memory"))
			k = 2;
		if (k >= 0) {
			if (found[k]++)
				return -1;
			cand[k] = l;
		}
		pos += n + 1;
	}
	for (int k = 0; k < 3; k++) {
		struct cgroup_info ci;

		if (!found[k])
			continue;
		if (pick < 0)
			pick = k;
		if (cgroup_path__parse(cand[k].path, cand[k].path_n, &ci)) {
			pick = k;
			break;
		}
	}
	if (pick < 0)
		return -1;
	{
		const char *p = cand[pick].path;
		size_t n = cand[pick].path_n;

		if (n > outlen - 1) {
			p += n - (outlen - 1);
			n = outlen - 1;
			*cut = true;
		}
		memcpy(out, p, n);
		out[n] = 0;
		return (int)n;
	}
}

bool cgroup_path__within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (n == 0)
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

bool cgroup_path__valid_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n < 6 || n > CGROUP_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			return false;
	return true;
}

bool cgroup_path__id_matches(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!cgroup_path__valid_prefix(prefix) || strnlen(id, CGROUP_ID_LEN + 1) != CGROUP_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = prefix[i] >= 'A' && prefix[i] <= 'F' ? (char)(prefix[i] - 'A' + 'a') : prefix[i];

		if (id[i] != c)
			return false;
	}
	return true;
}

const char *cgroup_path__runtime_name(enum cgroup_runtime rt)
{
	switch (rt) {
	case CGROUP_RT_DOCKER: return "docker";
	case CGROUP_RT_CONTAINERD: return "containerd";
	case CGROUP_RT_CRIO: return "cri-o";
	case CGROUP_RT_PODMAN: return "podman";
	case CGROUP_RT_KUBERNETES: return "kubernetes";
	case CGROUP_RT_SYSTEMD: return "systemd";
	default: return "none";
	}
}
