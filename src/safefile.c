/* Safe file creation shared by outfile.c and save.c: O_EXCL, O_NOFOLLOW, mode 0600, link or rename, the no-hard-link fallback. */
#include "safefile.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "util.h"

#define TMP_TRIES 16

int
safefile_tmp(int dirfd, char tmp[SAFEFILE_TMPLEN])
{
	unsigned char r[8];
	char hex[17];
	int fd, i, e;

	/* O_EXCL makes a name taken meanwhile harmless: another is tried. */
	for (i = 0; i < TMP_TRIES; i++) {
		if (RAND_bytes(r, sizeof(r)) != 1) {
			errno = EIO;
			return -1;
		}
		fz_hex(r, sizeof(r), hex);
		snprintf(tmp, SAFEFILE_TMPLEN, ".faiz-%s.tmp", hex);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1 && errno == EEXIST)
			continue;
		if (fd == -1)
			return -1;
		/* The mode given to openat is cut by the umask: personal
		 * data is 0600 exactly. */
		if (fchmod(fd, 0600) == -1) {
			e = errno;
			close(fd);
			unlinkat(dirfd, tmp, 0);
			errno = e;
			return -1;
		}
		return fd;
	}
	return -1;
}

/* Write all of b to fd. 0, or -1 with errno. */
static int
write_all(int fd, const unsigned char *b, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, b, n > SSIZE_MAX ? SSIZE_MAX : n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
safefile_fill(int fd, const void *b, size_t n)
{
	int e;

	if (write_all(fd, b, n) == -1)
		goto fail;
	/* Some file systems cannot sync; that is no reason to fail. */
	if (fsync(fd) == -1 && errno != EINVAL)
		goto fail;
	return close(fd);
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* File systems without hard links say so with these. */
static int
no_links(int e)
{
	return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS;
}

/* Copy tmp's contents into out (closed here). 0, or -1 with errno. */
static int
copy_into(int dirfd, const char *tmp, int out)
{
	unsigned char buf[65536];
	ssize_t n;
	int in, e;

	if ((in = openat(dirfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto fail;
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) == -1)
			goto fail;
	}
	close(in);
	return safefile_fill(out, NULL, 0);
fail:
	e = errno;
	if (in != -1)
		close(in);
	close(out);
	errno = e;
	return -1;
}

int
safefile_commit(int dirfd, const char *tmp, const char *name, int force)
{
	int fd, e;

	if (force)
		return renameat(dirfd, tmp, dirfd, name) == 0 ? SAFEFILE_OK :
		    SAFEFILE_FAILED;
	if (linkat(dirfd, tmp, dirfd, name, 0) == -1) {
		if (errno == EEXIST)
			return SAFEFILE_EXISTS;
		if (!no_links(errno))
			return SAFEFILE_FAILED;
		/* No hard links here: write the name itself, still O_EXCL. */
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1)
			return errno == EEXIST ? SAFEFILE_EXISTS :
			    SAFEFILE_FAILED;
		if (fchmod(fd, 0600) == -1) {
			e = errno;
			close(fd);
			unlinkat(dirfd, name, 0);
			errno = e;
			return SAFEFILE_FAILED;
		}
		if (copy_into(dirfd, tmp, fd) == -1) {
			e = errno;
			unlinkat(dirfd, name, 0);
			errno = e;
			return SAFEFILE_FAILED;
		}
	}
	if (unlinkat(dirfd, tmp, 0) == -1) {
		e = errno;
		unlinkat(dirfd, name, 0);
		errno = e;
		return SAFEFILE_FAILED;
	}
	return SAFEFILE_OK;
}
