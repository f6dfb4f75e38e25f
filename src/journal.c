/* The crash journal: O_NOFOLLOW, mode 0600, locked, one fsync'ed line per paid record; read back by resume.c's reader. */
#include "journal.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A name a run of ours made with safefile_tmp: nothing else is removed. */
static int
our_tmp(const char *s)
{
	size_t n = strlen(s);

	return strncmp(s, ".faiz-", 6) == 0 && n > 10 && n < 64 &&
	    strcmp(s + n - 4, ".tmp") == 0 && strchr(s, '/') == NULL;
}

static int
write_all(int fd, const char *b, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, b, n > SSIZE_MAX ? SSIZE_MAX : n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line, then fdatasync: the line is on disk when this returns. */
static int
put_line(struct journal *j, const char *text, struct fz_err *err)
{
	if (write_all(j->fd, text, strlen(text)) == -1 ||
	    write_all(j->fd, "\n", 1) == -1 ||
	    (fdatasync(j->fd) == -1 && errno != EINVAL)) {
		fz_seterr(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Read what earlier runs wrote, then remove the temporary files they named. */
static int
load(struct journal *j, struct strlist *warnings, struct fz_err *err)
{
	struct stat st;
	FILE *fp;
	size_t i;
	int fd, rc;

	if ((fd = dup(j->fd)) == -1 || (fp = fdopen(fd, "r")) == NULL) {
		fz_seterr(err, "%s: %s", j->path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewind(fp);
	rc = resume_read(fp, j->path, &j->prev, warnings, err);
	fclose(fp);
	if (rc == -1)
		return -1;
	for (i = 0; i < j->prev.tmps.n; i++) {
		const char *t = j->prev.tmps.v[i];
		if (our_tmp(t) && fstatat(j->dirfd, t, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(j->dirfd, t, 0);
	}
	/* A line cut by the crash must not swallow the next record. */
	if (j->prev.ends_without_newline && write_all(j->fd, "\n", 1) == -1) {
		fz_seterr(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	return 0;
}

int
journal_open(struct journal *j, const char *target,
    struct strlist *warnings, struct fz_err *err)
{
	const char *slash = strrchr(target, '/');
	char *dir;

	memset(j, 0, sizeof(*j));
	j->fd = j->dirfd = -1;
	dir = slash == target ? fz_strdup("/") : slash ? fz_printf("%.*s",
	    (int)(slash - target), target) : fz_strdup(".");
	j->name = fz_printf(".%s.faiz-journal", slash ? slash + 1 : target);
	j->path = dir == NULL || j->name == NULL ? NULL : slash == NULL ?
	    fz_strdup(j->name) : fz_printf("%s/%s", dir, j->name);
	if (j->path == NULL) {
		free(dir);
		fz_seterr(err, "out of memory");
		journal_close(j);
		return -1;
	}
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (j->dirfd == -1 || (j->fd = openat(j->dirfd, j->name, O_RDWR |
	    O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    fchmod(j->fd, 0600) == -1) {
		fz_seterr(err, "%s: %s", j->path, strerror(errno));
		journal_close(j);
		return -1;
	}
	/* Two runs on one output would each take the other's records. */
	if (flock(j->fd, LOCK_EX | LOCK_NB) == -1) {
		fz_seterr(err, "%s: %s", j->path, errno == EWOULDBLOCK ?
		    "another run is writing this output" : strerror(errno));
		journal_close(j);
		return -1;
	}
	if (load(j, warnings, err) == -1) {
		journal_close(j);
		return -1;
	}
	return 0;
}

int
journal_note_tmp(struct journal *j, const char *tmpname, struct fz_err *err)
{
	json_t *o = json_pack("{s:s}", "faiz_tmp", tmpname);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc;

	json_decref(o);
	if (s == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	rc = put_line(j, s, err);
	free(s);
	return rc;
}

int
journal_append(struct journal *j, const json_t *rec, struct fz_err *err)
{
	char *s = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	int rc;

	if (s == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	rc = put_line(j, s, err);
	free(s);
	return rc;
}

int
journal_done(struct journal *j, struct fz_err *err)
{
	int rc = 0;

	if (j->fd != -1 && unlinkat(j->dirfd, j->name, 0) == -1 &&
	    errno != ENOENT) {
		fz_seterr(err, "%s: %s", j->path, strerror(errno));
		rc = -1;
	}
	journal_close(j);
	return rc;
}

void
journal_close(struct journal *j)
{
	if (j->fd != -1)
		close(j->fd);
	if (j->dirfd != -1)
		close(j->dirfd);
	resume_free(&j->prev);
	free(j->path);
	free(j->name);
	memset(j, 0, sizeof(*j));
	j->fd = j->dirfd = -1;
}
