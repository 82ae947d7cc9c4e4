// SPDX-License-Identifier: GPL-2.0
/*
 * Reading recordings (format in recording.h).  The reader trusts nothing:
 * every length is bounded before it is used, every block's CRC is checked
 * before it is inflated, and every record is checked against the ABI
 * before it is handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "recording.h"
#include "recording_format.h"
#include "records.h"

struct recording_reader {
	FILE *f;
	unsigned char *raw;
	unsigned char *comp;
	size_t rawcap, compcap;	/* grown to the largest block, up to BLOCK_MAX */
	size_t rawlen, pos;	/* records in raw[0..rawlen), next at pos */
	uint64_t offset;	/* file offset of the next block */
	uint64_t records, blocks;
	int truncated;
	uint32_t version;	/* the file's format */
	char err[256];
	/* a record handed out must stay aligned for its fields */
	uint64_t aligned[4096 / 8];
};

/* Raw deflate, as recording_write.c writes it. */
static int inflate_raw(unsigned char *out, uLongf *outlen, const unsigned char *in, size_t inlen)
{
	z_stream z = { 0 };
	int ret;

	if (inflateInit2(&z, -15) != Z_OK)
		return Z_MEM_ERROR;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	z.next_out = out;
	z.avail_out = (uInt)*outlen;
	ret = inflate(&z, Z_FINISH);
	*outlen = z.total_out;
	inflateEnd(&z);
	return ret == Z_STREAM_END && z.avail_in == 0 ? Z_OK : Z_DATA_ERROR;
}

static int fail(struct recording_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Bounded string out of the header; -1 when it runs past the end. */
static int getstr(const unsigned char **p, const unsigned char *end, char *out, size_t outlen)
{
	uint16_t n;

	if (end - *p < 2)
		return -1;
	n = get16(*p);
	*p += 2;
	if (end - *p < n)
		return -1;
	snprintf(out, outlen, "%.*s", (int)(n < outlen ? n : outlen - 1), (const char *)*p);
	*p += n;
	return 0;
}

static int parse_header(const unsigned char *h, size_t len, struct recording_info *info)
{
	const unsigned char *p = h, *end = h + len;

	memset(info, 0, sizeof(*info));
	if (getstr(&p, end, info->version, sizeof(info->version)) ||
	    getstr(&p, end, info->kernel, sizeof(info->kernel)) ||
	    getstr(&p, end, info->hostname, sizeof(info->hostname)) ||
	    getstr(&p, end, info->args, sizeof(info->args)) || end - p < 36)
		return -1;
	info->page_size = get32(p);
	info->boot_time_s = get64(p + 4);
	info->wall_minus_boot_ns = (int64_t)get64(p + 12);
	info->start_wall_s = get64(p + 20);
	info->interval_ns = get64(p + 28);
	return 0;
}

struct recording_reader *recording__open_file(FILE *f, struct recording_info *info,
					      char *err, size_t errlen)
{
	struct recording_reader *r = calloc(1, sizeof(*r));
	unsigned char pre[16], head[HEADER_MAX], crc[4];
	uint32_t version, hlen;
	size_t n;

	if (!r || !f) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	r->f = f;
	n = fread(pre, 1, sizeof(pre), f);
	if (n == 0) {
		snprintf(err, errlen, "empty file, not a leakscope recording");
		goto fail;
	}
	if (n < 8 || memcmp(pre, REC_MAGIC, 8)) {
		snprintf(err, errlen, "not a leakscope recording (bad magic)");
		goto fail;
	}
	if (n < 16) {
		snprintf(err, errlen, "recording cut off inside its header");
		goto fail;
	}
	version = get32(pre + 8);
	hlen = get32(pre + 12);
	if (version > REC_VERSION) {
		snprintf(err, errlen, "recording format version %u is newer than this leakscope "
			 "understands (%u): use a newer leakscope", version, REC_VERSION);
		goto fail;
	}
	if (version == 0 || hlen > HEADER_MAX) {
		snprintf(err, errlen, "corrupt recording header (version %u, length %u)", version, hlen);
		goto fail;
	}
	if (fread(head, 1, hlen, f) != hlen || fread(crc, 1, 4, f) != 4) {
		snprintf(err, errlen, "recording cut off inside its header");
		goto fail;
	}
	if (get32(crc) != (uint32_t)crc32(0, head, hlen) || parse_header(head, hlen, info)) {
		snprintf(err, errlen, "corrupt recording header (CRC mismatch)");
		goto fail;
	}
	r->offset = 20 + hlen;
	r->version = version;
	return r;
fail:
	if (f)
		fclose(f);
	if (r) {
		free(r->raw);
		free(r->comp);
		free(r);
	}
	return NULL;
}

static const char *not_regular(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	return S_ISREG(mode) ? NULL : "not a regular file";
}

/* Regular files only: a FIFO would block the reader (or feed it forever),
 * a device or a socket is nothing leakscope wrote, and opening some
 * devices does things.  A look first, so that such a file is not even
 * opened; the open file is checked again (it can be swapped in between);
 * O_NONBLOCK so that a FIFO swapped in does not block the open. */
struct recording_reader *recording__open(const char *path, struct recording_info *info,
					 char *err, size_t errlen)
{
	const char *kind = NULL;
	struct stat st;
	FILE *f;
	int fd;

	if (stat(path, &st) == 0 && (kind = not_regular(st.st_mode))) {
		snprintf(err, errlen, "%s, not a leakscope recording (report reads regular files)",
			 kind);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || (kind = not_regular(st.st_mode))) {
		snprintf(err, errlen, "%s, not a leakscope recording (report reads regular files)",
			 kind ? kind : strerror(errno));
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return recording__open_file(f, info, err, errlen);
}

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *nb;

	if (need <= *cap)
		return 0;
	nb = realloc(*buf, need);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = need;
	return 0;
}

/* Format 1 sent unix records whole, with the path before comm. */
struct ls_unix_conn_v1 {
	unsigned char fixed[LS_UNIX_CONN_SIZE(0) - LS_COMM_LEN];	/* as now */
	char path[LS_PATH_LEN];
	char _pad2[4];
	char comm[LS_COMM_LEN];
};

_Static_assert(sizeof(struct ls_unix_conn_v1) == 200 &&
	       __builtin_offsetof(struct ls_unix_conn, comm) == sizeof(((struct ls_unix_conn_v1 *)0)->fixed),
	       "format 1's unix record: the fixed part, then path, then comm");

/* A format-1 unix record, in place, in today's layout; its new size. */
static uint16_t unix_conn_from_v1(uint64_t *rec, uint16_t size)
{
	struct ls_unix_conn_v1 old;
	struct ls_unix_conn *now = (struct ls_unix_conn *)rec;

	if (now->hdr.type != LS_REC_UNIX_CONN || size != sizeof(old))
		return size;	/* ls_rec_check judges it */
	memcpy(&old, rec, sizeof(old));
	memcpy(now->comm, old.comm, sizeof(now->comm));
	memset(now->path, 0, sizeof(now->path));
	memcpy(now->path, old.path, sizeof(old.path));
	now->hdr.size = sizeof(*now);
	return sizeof(*now);
}

/* 1 a block is loaded, 0 clean end or cut off (r->truncated), -1 corrupt. */
static int next_block(struct recording_reader *r)
{
	unsigned char bh[16];
	uint32_t complen, rawlen;
	uLongf outlen;
	size_t n = fread(bh, 1, sizeof(bh), r->f);

	if (n == 0)
		return 0;
	if (n < sizeof(bh)) {
		r->truncated = 1;
		return 0;
	}
	complen = get32(bh + 4);
	rawlen = get32(bh + 8);
	if (get32(bh) != BLOCK_TAG || complen == 0 || complen > compressBound(BLOCK_MAX) ||
	    rawlen > BLOCK_MAX)
		return fail(r, "corrupt block at offset %llu (bad block header)",
			    (unsigned long long)r->offset);
	if (grow(&r->comp, &r->compcap, complen) || grow(&r->raw, &r->rawcap, rawlen))
		return fail(r, "out of memory for a block of %u bytes", rawlen);
	n = fread(r->comp, 1, complen, r->f);
	if (n < complen) {
		r->truncated = 1;
		return 0;
	}
	if (get32(bh + 12) != (uint32_t)crc32(0, r->comp, complen))
		return fail(r, "corrupt block at offset %llu (CRC mismatch)",
			    (unsigned long long)r->offset);
	outlen = rawlen;
	if (inflate_raw(r->raw, &outlen, r->comp, complen) != Z_OK || outlen != rawlen)
		return fail(r, "corrupt block at offset %llu (does not inflate to its length)",
			    (unsigned long long)r->offset);
	r->offset += 16 + complen;
	r->rawlen = rawlen;
	r->pos = 0;
	r->blocks++;
	return 1;
}

int recording__next(struct recording_reader *r, const struct ls_rec_hdr **rec)
{
	const struct ls_rec_hdr *h;
	uint16_t size;

	if (r->err[0])
		return -1;
	while (r->pos >= r->rawlen) {
		int ret = next_block(r);

		if (ret <= 0)
			return ret;
	}
	if (r->rawlen - r->pos < sizeof(*h))
		return fail(r, "corrupt block ending at offset %llu (partial record)",
			    (unsigned long long)r->offset);
	size = get16(r->raw + r->pos + 2);
	if (size < sizeof(*h) || size > sizeof(r->aligned) || size > r->rawlen - r->pos)
		return fail(r, "corrupt record in the block ending at offset %llu (size %u)",
			    (unsigned long long)r->offset, size);
	memcpy(r->aligned, r->raw + r->pos, size);
	if (r->version == 1)
		size = unix_conn_from_v1(r->aligned, size);
	h = (const struct ls_rec_hdr *)r->aligned;
	if (ls_rec_check(h, size))
		return fail(r, "corrupt record in the block ending at offset %llu (type %u, size %u)",
			    (unsigned long long)r->offset, h->type, size);
	r->pos += size;
	r->records++;
	*rec = h;
	return 1;
}

const char *recording__error(const struct recording_reader *r)
{
	return r->err[0] ? r->err : "no error";
}

int recording__truncated(const struct recording_reader *r)
{
	return r->truncated;
}

uint64_t recording__records_read(const struct recording_reader *r)
{
	return r->records;
}

uint64_t recording__blocks_read(const struct recording_reader *r)
{
	return r->blocks;
}

void recording__close_reader(struct recording_reader *r)
{
	if (!r)
		return;
	fclose(r->f);
	free(r->raw);
	free(r->comp);
	free(r);
}
