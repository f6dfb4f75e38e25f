/* The -o FILE destination: temporary file in the target directory, mode 0600, then link or rename. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

int
outfile_check(const char *path, int force, struct fz_err *err)
{
	struct stat st;

	if (!force && lstat(path, &st) == 0) {
		fz_seterr(err, "%s: file exists (use --force to overwrite)", path);
		return -1;
	}
	return 0;
}

/* dir/.name.RANDOM beside path. */
static char *
temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	unsigned char r[6];
	char hex[13];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return NULL;
	fz_hex(r, sizeof(r), hex);
	if (slash == NULL)
		return fz_printf(".%s.%s.tmp", path, hex);
	return fz_printf("%.*s/.%s.%s.tmp", (int)(slash - path), path,
	    slash + 1, hex);
}

int
outfile_open(struct outfile *of, const char *path, int force,
    struct fz_err *err)
{
	int fd;

	memset(of, 0, sizeof(*of));
	of->force = force;
	if ((of->path = strdup(path)) == NULL || (of->tmp = temp_name(path)) ==
	    NULL) {
		fz_seterr(err, "out of memory");
		goto fail;
	}
	fd = open(of->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* The records are personal data: 0600 whatever the umask says. */
	if (fchmod(fd, 0600) == -1 || (of->fp = fdopen(fd, "w")) == NULL) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(of->tmp);
		goto fail;
	}
	return 0;
fail:
	free(of->path);
	free(of->tmp);
	of->path = of->tmp = NULL;
	return -1;
}

int
outfile_commit(struct outfile *of, struct fz_err *err)
{
	int rc = 0;

	if (fflush(of->fp) == EOF || fsync(fileno(of->fp)) == -1) {
		fz_seterr(err, "%s: %s", of->path, strerror(errno));
		rc = -1;
	}
	if (fclose(of->fp) == EOF && rc == 0) {
		fz_seterr(err, "%s: %s", of->path, strerror(errno));
		rc = -1;
	}
	of->fp = NULL;
	if (rc == 0) {
		/* link(2) fails if the name was taken meanwhile; rename(2) replaces. */
		if (of->force)
			rc = rename(of->tmp, of->path);
		else if ((rc = link(of->tmp, of->path)) == 0)
			unlink(of->tmp);
		if (rc == -1)
			fz_seterr(err, "%s: %s", of->path, strerror(errno));
	}
	if (rc == -1)
		unlink(of->tmp);
	free(of->path);
	free(of->tmp);
	of->path = of->tmp = NULL;
	return rc;
}

void
outfile_abort(struct outfile *of)
{
	if (of->fp != NULL)
		fclose(of->fp);
	if (of->tmp != NULL)
		unlink(of->tmp);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
}
