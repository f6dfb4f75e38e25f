/* libFuzzer target: resume_load on an ndjson file, written to a memfd for each input. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "resume.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resume r;
	struct strlist warnings = { 0 };
	struct fz_err err;
	char path[64];
	size_t i;
	int fd;

	if ((fd = memfd_create("fuzz_resume", MFD_CLOEXEC)) == -1)
		abort();
	if (write_all(fd, data, size) == -1)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (resume_load(path, &r, &warnings, &err) == 0) {
		/* Sorted, one entry a digest: each is found again. */
		for (i = 0; i < r.n; i++) {
			char hex[65];

			fz_hex(r.v[i].sha, 32, hex);
			if (resume_find(&r, hex) != &r.v[i] ||
			    resume_has(&r, hex) != (r.v[i].cls == RESUME_DONE))
				abort();
			if (i > 0 && memcmp(r.v[i - 1].sha, r.v[i].sha, 32) >= 0)
				abort();
		}
		resume_free(&r);
	}
	strlist_free(&warnings);
	close(fd);
	return 0;
}
