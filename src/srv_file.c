/* Bounded reads of the server's small input files: fstat first, then at most the size it gave. */
#include "srv_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
srv_file_read(const char *path, size_t max, size_t *lenp, mode_t *mode,
    struct fz_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t got;
	int fd;

	/* O_NONBLOCK so that a FIFO cannot hang us before the S_ISREG check. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) == -1) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		fz_seterr(err, "%s: not a regular file", path);
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		fz_seterr(err, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fz_seterr(err, "out of memory");
		goto fail;
	}
	/* Bounded by the size fstat gave: a file growing meanwhile is cut there. */
	while (len < (size_t)st.st_size) {
		got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			fz_seterr(err, "%s: %s", path, strerror(errno));
			free(buf);
			buf = NULL;
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	*lenp = len;
	*mode = st.st_mode & 07777;
fail:
	close(fd);
	return buf;
}
