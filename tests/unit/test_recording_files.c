// SPDX-License-Identifier: GPL-2.0
/* Where recordings are written and read: never through a link, never over
 * a file unless asked, a full disk leaves whole blocks, and only regular
 * files are read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "harness.h"
#include "fixtures.h"
#include "recording.h"

static char dir[64];

static const char *in_dir(const char *name)
{
	static char buf[4][384];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static int file_is(const char *path, const char *text)
{
	char buf[256] = { 0 };
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return n == strlen(text) && !memcmp(buf, text, n);
}

/* Entries in dir, hidden ones too: no temporary file left behind. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static struct recording_writer *create(const char *path, int flags, char *err, size_t len)
{
	struct recording_info info = { .version = "test", .page_size = 4096, .interval_ns = SEC };

	return recording__create(path, &info, flags, err, len);
}

/* One interval's records, then a block. */
static void one_block(struct recording_writer *w, int t, uint32_t noise)
{
	struct ls_proc_sample s = { 0 };
	struct ls_interval iv = { 0 };

	for (int k = 0; k < 40; k++) {
		fx_hdr(&s.hdr, LS_REC_PROC_SAMPLE, sizeof(s), 42 + k, (uint64_t)(t + 1) * SEC);
		s.start_ns = SEC;
		/* numbers that do not compress away: blocks of some size */
		s.rss_anon_bytes = (uint64_t)rand() * noise;
		s.swap_bytes = (uint64_t)rand() * noise;
		s.vm_size_bytes = (uint64_t)rand() * noise;
		recording__write(w, &s.hdr);
	}
	fx_hdr(&iv.hdr, LS_REC_INTERVAL, sizeof(iv), 0, (uint64_t)(t + 1) * SEC);
	iv.interval_ns = SEC;
	recording__write(w, &iv.hdr);
	recording__flush(w);
}

static void clean_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(in_dir(de->d_name));
	closedir(d);
}

TEST(new_file_is_private_whatever_the_umask)
{
	char err[256];
	struct recording_writer *w;
	struct stat st;
	mode_t old = umask(0);

	clean_dir();
	w = create(in_dir("a.lsrec"), 0, err, sizeof(err));
	umask(old);
	ASSERT_TRUE(w != NULL);
	ASSERT_EQ(recording__close(w), 0);
	ASSERT_EQ(lstat(in_dir("a.lsrec"), &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(st.st_mode & 07777, 0600);
}

TEST(existing_file_is_refused_and_kept)
{
	char err[256];

	clean_dir();
	put_file(in_dir("old"), "precious");
	ASSERT_TRUE(create(in_dir("old"), 0, err, sizeof(err)) == NULL);
	ASSERT_CONTAINS(err, "exists");
	ASSERT_CONTAINS(err, "--force");
	ASSERT_TRUE(file_is(in_dir("old"), "precious"));
}

TEST(symlink_is_never_followed)
{
	char err[256];
	struct stat st;

	clean_dir();
	put_file(in_dir("target"), "precious");
	ASSERT_EQ(symlink(in_dir("target"), in_dir("link")), 0);
	ASSERT_TRUE(create(in_dir("link"), 0, err, sizeof(err)) == NULL);
	ASSERT_CONTAINS(err, "is a symbolic link");
	ASSERT_TRUE(file_is(in_dir("target"), "precious"));
	/* a dangling one would have the file created at its target */
	ASSERT_EQ(symlink(in_dir("nowhere"), in_dir("dangling")), 0);
	ASSERT_TRUE(create(in_dir("dangling"), 0, err, sizeof(err)) == NULL);
	ASSERT_CONTAINS(err, "is a symbolic link");
	ASSERT_EQ(lstat(in_dir("nowhere"), &st), -1);
}

TEST(force_replaces_a_link_by_a_file_after_the_first_block)
{
	char err[256];
	struct recording_writer *w;
	struct stat st;

	clean_dir();
	put_file(in_dir("target"), "precious");
	ASSERT_EQ(symlink(in_dir("target"), in_dir("link")), 0);
	w = create(in_dir("link"), RECORDING_FORCE, err, sizeof(err));
	ASSERT_TRUE(w != NULL);
	/* header written, no block yet: the link is still there */
	ASSERT_EQ(lstat(in_dir("link"), &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	one_block(w, 0, 1);
	ASSERT_EQ(lstat(in_dir("link"), &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(st.st_mode & 07777, 0600);
	ASSERT_TRUE(st.st_size > 20);
	one_block(w, 1, 1);
	ASSERT_EQ(recording__close(w), 0);
	ASSERT_TRUE(file_is(in_dir("target"), "precious"));
	ASSERT_EQ(entries(), 2);	/* target and the recording: no temporary */
}

TEST(force_over_a_file_that_fails_early_leaves_it)
{
	char err[256];
	struct recording_writer *w;

	clean_dir();
	put_file(in_dir("old"), "precious");
	w = create(in_dir("old"), RECORDING_FORCE, err, sizeof(err));
	ASSERT_TRUE(w != NULL);
	ASSERT_EQ(entries(), 2);	/* old, and the temporary beside it */
	recording__discard(w);		/* e.g. attaching failed */
	ASSERT_TRUE(file_is(in_dir("old"), "precious"));
	ASSERT_EQ(entries(), 1);
}

TEST(discard_without_blocks_removes_what_it_made)
{
	char err[256];
	struct recording_writer *w;
	struct stat st;

	clean_dir();
	w = create(in_dir("new"), 0, err, sizeof(err));
	ASSERT_TRUE(w != NULL);
	recording__discard(w);
	ASSERT_EQ(lstat(in_dir("new"), &st), -1);
	/* with a block, the recording stays: it reads up to that block */
	w = create(in_dir("new"), 0, err, sizeof(err));
	one_block(w, 0, 1);
	recording__discard(w);
	ASSERT_EQ(lstat(in_dir("new"), &st), 0);
}

TEST(full_disk_leaves_whole_blocks)
{
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct rlimit old, lim;
	struct recording_writer *w;
	char err[256];
	uint64_t whole;
	int n, intervals = 0, e;
	struct stat st;

	clean_dir();
	w = create(in_dir("full"), 0, err, sizeof(err));
	ASSERT_TRUE(w != NULL);
	for (int t = 0; t < 3; t++)
		one_block(w, t, 1000003);
	whole = recording__bytes_written(w);
	/* the file may grow by less than the next block: as a full disk does
	 * (EFBIG here, ENOSPC there: the same short write) */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = whole + 100;
	setrlimit(RLIMIT_FSIZE, &lim);
	one_block(w, 3, 1000003);
	e = recording__error_of(w);
	setrlimit(RLIMIT_FSIZE, &old);
	ASSERT_EQ(e, EFBIG);
	ASSERT_EQ(recording__write(w, &(struct ls_rec_hdr){ LS_REC_INTERVAL, sizeof(struct ls_rec_hdr), 0, 0 }), -EFBIG);
	ASSERT_EQ(recording__close(w), -EFBIG);
	ASSERT_EQ(stat(in_dir("full"), &st), 0);
	ASSERT_EQ(st.st_size, whole);		/* the part-block cut off again */
	r = recording__open(in_dir("full"), &info, err, sizeof(err));
	ASSERT_TRUE(r != NULL);
	while ((n = recording__next(r, &rec)) > 0)
		intervals += rec->type == LS_REC_INTERVAL;
	ASSERT_EQ(n, 0);
	ASSERT_EQ(recording__truncated(r), 0);
	ASSERT_EQ(intervals, 3);
	recording__close_reader(r);
}

static void refused(const char *path, const char *kind, int *ls_failed)
{
	struct recording_info info;
	char err[256] = "";

	if (recording__open(path, &info, err, sizeof(err)) != NULL)
		LS_FAIL("%s: opened", path);
	if (!strstr(err, kind) || !strstr(err, "not a leakscope recording"))
		LS_FAIL("%s: expected \"%s, not a leakscope recording\", got \"%s\"", path, kind, err);
}

TEST(reader_refuses_what_is_not_a_regular_file)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	clean_dir();
	ASSERT_EQ(mkfifo(in_dir("fifo"), 0600), 0);
	refused(in_dir("fifo"), "a FIFO", ls_failed);
	refused(dir, "a directory", ls_failed);
	refused("/dev/null", "a character device", ls_failed);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", in_dir("sock"));
	ASSERT_EQ(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	refused(in_dir("sock"), "a socket", ls_failed);
	close(s);
	/* a link to a FIFO is read as what it names */
	ASSERT_EQ(symlink(in_dir("fifo"), in_dir("to-fifo")), 0);
	refused(in_dir("to-fifo"), "a FIFO", ls_failed);
}

int main(void)
{
	int ret;

	snprintf(dir, sizeof(dir), "/tmp/leakscope-files-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	ret = RUN_TESTS();
	clean_dir();
	rmdir(dir);
	return ret;
}
