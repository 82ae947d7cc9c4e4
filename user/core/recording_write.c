// SPDX-License-Identifier: GPL-2.0
/*
 * Writing recordings (format in recording.h): records gathered into blocks
 * of about 64 KiB, each deflated and CRC'd, and flushed at every interval;
 * --force writes beside the file and renames over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "outfile.h"
#include "recording.h"
#include "recording_format.h"
#include "records.h"

struct recording_writer {
	int fd;
	unsigned char *raw;	/* BLOCK_RAW_TARGET + one record */
	size_t rawlen;
	unsigned char *comp;	/* a block's 16-byte header, then its bytes */
	uint64_t written;	/* bytes on disk: the header and whole blocks */
	uint64_t blocks;
	int error;		/* first errno */
	char *path;		/* where the recording goes */
	char *tmp;		/* --force: written here until the first block */
};

static void put16(unsigned char **p, uint16_t v) { (*p)[0] = v; (*p)[1] = v >> 8; *p += 2; }
static void put32(unsigned char **p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		(*p)[i] = (unsigned char)(v >> (8 * i));
	*p += 4;
}
static void put64(unsigned char **p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		(*p)[i] = (unsigned char)(v >> (8 * i));
	*p += 8;
}
static void putstr(unsigned char **p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	put16(p, (uint16_t)n);
	memcpy(*p, s, n);
	*p += n;
}

static size_t header_bytes(const struct recording_info *info, unsigned char *buf)
{
	unsigned char *p = buf;

	putstr(&p, info->version, sizeof(info->version));
	putstr(&p, info->kernel, sizeof(info->kernel));
	putstr(&p, info->hostname, sizeof(info->hostname));
	putstr(&p, info->args, sizeof(info->args));
	put32(&p, info->page_size);
	put64(&p, info->boot_time_s);
	put64(&p, (uint64_t)info->wall_minus_boot_ns);
	put64(&p, info->start_wall_s);
	put64(&p, info->interval_ns);
	return (size_t)(p - buf);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

struct recording_writer *recording__create(const char *path, const struct recording_info *info,
					   int flags, char *err, size_t errlen)
{
	unsigned char head[HEADER_MAX], pre[16], *p = pre, crc[4], *c = crc;
	struct recording_writer *w = calloc(1, sizeof(*w));
	struct outfile of;
	size_t hlen;
	int e;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = -1;
	w->raw = malloc(BLOCK_MAX);
	w->comp = malloc(16 + compressBound(BLOCK_MAX));
	if (!w->raw || !w->comp) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* it names processes, paths and peers: for its owner only.  Never
	 * through a symbolic link, never into a file that was there. */
	if (outfile__create(&of, path, flags & RECORDING_FORCE, "a recording", "leakscope record",
			    err, errlen))
		goto fail;
	w->fd = of.fd;
	w->path = of.path;
	w->tmp = of.tmp;
	hlen = header_bytes(info, head);
	memcpy(p, REC_MAGIC, 8);
	p += 8;
	put32(&p, REC_VERSION);
	put32(&p, (uint32_t)hlen);
	put32(&c, (uint32_t)crc32(0, head, (uInt)hlen));
	if ((e = write_all(w->fd, pre, 16)) || (e = write_all(w->fd, head, hlen)) ||
	    (e = write_all(w->fd, crc, 4))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		goto fail_unlink;
	}
	w->written = 20 + hlen;
	return w;
fail_unlink:
	unlink(w->tmp ? w->tmp : path);	/* ours: made just now, O_EXCL */
fail:
	if (w->fd >= 0)
		close(w->fd);
	free(w->raw);
	free(w->comp);
	free(w->path);
	free(w->tmp);
	free(w);
	return NULL;
}

/* Raw deflate (no zlib header, no adler32): the block's CRC32 already
 * guards the bytes, and inflate is the cost centre of a replay. */
static int deflate_raw(unsigned char *out, uLongf *outlen, const unsigned char *in, size_t inlen)
{
	z_stream z = { 0 };
	int ret;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return Z_MEM_ERROR;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	z.next_out = out;
	z.avail_out = (uInt)*outlen;
	ret = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	return ret == Z_STREAM_END ? Z_OK : Z_BUF_ERROR;
}

/* --force: the temporary file becomes the recording. */
static int put_in_place(struct recording_writer *w)
{
	if (!w->tmp)
		return 0;
	if (rename(w->tmp, w->path))
		return errno;
	free(w->tmp);
	w->tmp = NULL;
	return 0;
}

int recording__flush(struct recording_writer *w)
{
	unsigned char *p;
	uLongf complen;
	int e;

	if (!w)
		return -EINVAL;
	if (w->error)
		return -w->error;
	if (!w->rawlen)
		return 0;
	complen = compressBound(BLOCK_MAX);
	if (deflate_raw(w->comp + 16, &complen, w->raw, w->rawlen) != Z_OK) {
		w->error = EIO;
		return -EIO;
	}
	p = w->comp;
	put32(&p, BLOCK_TAG);
	put32(&p, (uint32_t)complen);
	put32(&p, (uint32_t)w->rawlen);
	put32(&p, (uint32_t)crc32(0, w->comp + 16, (uInt)complen));
	/* one block, whole, in one go: a crash loses only the block in hand.
	 * A block cut short (a full disk) is cut off the file again, so the
	 * file ends with its last complete block. */
	e = write_all(w->fd, w->comp, 16 + complen);
	if (e) {
		w->error = e;
		if (ftruncate(w->fd, (off_t)w->written) == 0)
			lseek(w->fd, (off_t)w->written, SEEK_SET);
		return -e;
	}
	w->written += 16 + complen;
	w->blocks++;
	w->rawlen = 0;
	if ((e = put_in_place(w))) {
		w->error = e;
		return -e;
	}
	return 0;
}

int recording__write(struct recording_writer *w, const struct ls_rec_hdr *rec)
{
	if (!w || rec->size < sizeof(*rec) || rec->size > 4096)
		return -EINVAL;
	if (w->error)
		return -w->error;
	if (w->rawlen + rec->size > BLOCK_RAW_TARGET && recording__flush(w))
		return -w->error;
	memcpy(w->raw + w->rawlen, rec, rec->size);
	w->rawlen += rec->size;
	return 0;
}

static void free_writer(struct recording_writer *w)
{
	free(w->raw);
	free(w->comp);
	free(w->path);
	free(w->tmp);
	free(w);
}

int recording__close(struct recording_writer *w)
{
	int ret, e;

	if (!w)
		return 0;
	ret = recording__flush(w);
	/* a run that wrote no block: the header alone is the recording */
	if (!ret && (e = put_in_place(w)))
		ret = -e;
	if (w->tmp)
		unlink(w->tmp);
	if (close(w->fd) && !ret)
		ret = -errno;
	free_writer(w);
	return ret;
}

void recording__discard(struct recording_writer *w)
{
	if (!w)
		return;
	if (w->blocks) {
		recording__close(w);
		return;
	}
	/* nothing recorded: the file made for it goes (O_EXCL: ours) */
	unlink(w->tmp ? w->tmp : w->path);
	close(w->fd);
	free_writer(w);
}

const char *recording__file_path(const struct recording_writer *w)
{
	return w ? (w->tmp ? w->tmp : w->path) : NULL;
}

int recording__rename_pending(const struct recording_writer *w)
{
	return w && w->tmp;
}

int recording__error_of(const struct recording_writer *w)
{
	return w ? w->error : 0;
}

uint64_t recording__bytes_written(const struct recording_writer *w)
{
	return w ? w->written + w->rawlen : 0;
}
