/* The -o FILE destination: temporary file in the target directory, mode 0600, then link or rename. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
outfile_check(const char *path, int force, struct fz_err *err)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return 0;
	/* --force replaces a file, never a device, FIFO, socket, directory
	 * or symbolic link (nor what it points to). */
	if (!S_ISREG(st.st_mode)) {
		fz_seterr(err, "%s: %s: not replaced (-o writes only regular "
		    "files; use -o - for standard output)", path,
		    S_ISLNK(st.st_mode) ? "a symbolic link" :
		    S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ?
		    "a directory" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
		    "a device" : "not a regular file");
		return -1;
	}
	if (!force) {
		fz_seterr(err, "%s: file exists (use --force to overwrite)", path);
		return -1;
	}
	return 0;
}

/* Everything outfile_open made, undone (the temporary file removed). */
static void
release(struct outfile *of)
{
	/* Never opened (main's zeroed struct): nothing is ours. */
	if (of->path == NULL)
		return;
	if (of->fp != NULL)
		fclose(of->fp);
	if (of->dirfd != -1 && of->tmpname[0] != '\0')
		unlinkat(of->dirfd, of->tmpname, 0);
	if (of->dirfd != -1)
		close(of->dirfd);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	of->dirfd = -1;
}

int
outfile_open(struct outfile *of, const char *path, int force,
    struct fz_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	memset(of, 0, sizeof(*of));
	of->dirfd = -1;
	of->force = force;
	if ((of->path = strdup(path)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	of->name = slash ? of->path + (slash - path) + 1 : of->path;
	dir = slash == path ? fz_strdup("/") : slash ? fz_printf("%.*s",
	    (int)(slash - path), path) : fz_strdup(".");
	if (dir == NULL) {
		fz_seterr(err, "out of memory");
		release(of);
		return -1;
	}
	of->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (of->dirfd == -1 || (fd = safefile_tmp(of->dirfd,
	    of->tmpname)) == -1) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		of->tmpname[0] = '\0';
		free(dir);
		release(of);
		return -1;
	}
	/* xlsx writes the workbook by name: the temporary file's path. */
	of->tmp = slash ? fz_printf("%s/%s", dir, of->tmpname) :
	    fz_strdup(of->tmpname);
	free(dir);
	if (of->tmp == NULL || (of->fp = fdopen(fd, "w")) == NULL) {
		fz_seterr(err, "%s: %s", path, of->tmp ? strerror(errno) :
		    "out of memory");
		if (of->fp == NULL)
			close(fd);
		release(of);
		return -1;
	}
	return 0;
}

int
outfile_commit(struct outfile *of, struct fz_err *err)
{
	struct stat st;
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
	/* What appeared at the name during the run is checked again. */
	if (rc == 0 && fstatat(of->dirfd, of->name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		fz_seterr(err, "%s: not a regular file any more: not replaced",
		    of->path);
		rc = -1;
	}
	if (rc == 0) {
		if (safefile_commit(of->dirfd, of->tmpname, of->name,
		    of->force) == SAFEFILE_OK)
			of->tmpname[0] = '\0';
		else {
			fz_seterr(err, "%s: %s", of->path, strerror(errno));
			rc = -1;
		}
	}
	release(of);
	return rc;
}

void
outfile_abort(struct outfile *of)
{
	release(of);
}
