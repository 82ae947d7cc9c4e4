// SPDX-License-Identifier: GPL-2.0
/* Maps a data file and reads every page of it: resident memory that is
 * the file's, not a leak.  mem_filemap MiB SECONDS PATH
 * Writes PATH (MiB of data, removed at exit), maps it shared and read-only,
 * touches each page, says "pid" and "mapped" in $WL_INFO, then holds it. */
#include <fcntl.h>
#include <sys/mman.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	size_t len = (size_t)(wl_arg(argc, argv, 1, 256) * MiB);
	double secs = wl_arg(argc, argv, 2, 30);
	const char *path = argc > 3 ? argv[3] : "/var/tmp/mem_filemap.dat";
	static char block[1 << 20];
	volatile char sum = 0;
	char *p;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	memset(block, 'x', sizeof(block));
	for (size_t off = 0; off < len; off += sizeof(block))
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return 1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	close(fd);
	for (size_t off = 0; off < len; off += 4096)
		sum += p[off];
	wl_info("mapped", (long)len);
	wl_ready();
	for (double start = wl_now(); wl_now() - start < secs;) {
		/* keep it resident: read it again now and then */
		for (size_t off = 0; off < len; off += 4096)
			sum += p[off];
		usleep(500000);
	}
	unlink(path);
	return 0;
}
