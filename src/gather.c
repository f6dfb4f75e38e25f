/* Input gathering: operands, directories and path lists into images to try. */
#include "gather.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Longest path accepted from a list: PATH_MAX counts the terminating NUL. */
#define GATHER_MAX_PATH (PATH_MAX - 1)

static int
oom(struct fz_err *err)
{
	fz_seterr(err, "out of memory");
	return -1;
}

/* Appends one item, copying its strings; code and msg may be NULL. */
static int
push_item(struct gather *g, const char *path, const char *code, const char *msg,
    struct fz_err *err)
{
	struct gather_item *it, *nv;
	size_t ncap;

	if (g->n >= GATHER_MAX_ITEMS) {
		fz_seterr(
		    err, "too many input files (over %u)", GATHER_MAX_ITEMS);
		return -1;
	}
	if (g->n == g->cap) {
		ncap = g->cap ? g->cap * 2 : 64;
		if ((nv = realloc(g->v, ncap * sizeof(*nv))) == NULL)
			return oom(err);
		g->v = nv;
		g->cap = ncap;
	}
	it = &g->v[g->n];
	it->path = strdup(path);
	it->error_code = fz_strdup(code);
	it->error_msg = fz_strdup(msg);
	if (it->path == NULL || (code && it->error_code == NULL) ||
	    (msg && it->error_msg == NULL)) {
		free(it->path);
		free(it->error_code);
		free(it->error_msg);
		return oom(err);
	}
	g->n++;
	return 0;
}

/* Why a directory entry was skipped: the note's text and the summary's. */
static const struct {
	const char *what, *one, *many;
} reasons[GATHER_NREASONS] = {
	{ "skipped, not a .jpg or .jpeg file", "file not .jpg or .jpeg",
	    "files not .jpg or .jpeg" },
	{ "skipped directory (use -r)", "directory (use -r)",
	    "directories (use -r)" },
	{ "skipped symlinked directory", "symlinked directory",
	    "symlinked directories" },
	{ "skipped, broken symbolic link", "broken symbolic link",
	    "broken symbolic links" },
	{ "skipped, too deep (over 64 levels)", "too deep (over 64 levels)",
	    "too deep (over 64 levels)" },
	{ "skipped, not a regular file", "not a regular file",
	    "not regular files" },
	/* Any other: "skipped: why", read errors. */
	{ NULL, "unreadable", "unreadable" },
};

static size_t
reason_of(const char *what, const char *why)
{
	size_t i;

	for (i = 0; why == NULL && i < GATHER_NREASONS - 1; i++)
		if (strcmp(what, reasons[i].what) == 0)
			return i;
	return GATHER_NREASONS - 1;
}

/* Appends "PATH: what" or "PATH: what: why" to the notes; built with
 * fz_printf so that a long path found deep in a tree is never cut short. */
static int
push_note_why(struct gather *g, const char *path, const char *what,
    const char *why, struct fz_err *err)
{
	char *s;
	int rc;

	g->skipped[reason_of(what, why)]++;
	s = why ? fz_printf("%s: %s: %s", path, what, why)
	        : fz_printf("%s: %s", path, what);
	if (s == NULL)
		return oom(err);
	rc = strlist_push(&g->notes, s);
	free(s);
	return rc == 0 ? 0 : oom(err);
}

static int
push_note(
    struct gather *g, const char *path, const char *what, struct fz_err *err)
{
	return push_note_why(g, path, what, NULL, err);
}

/*
 * Reads a path list from fp: entries end at '\n' (a trailing '\r' is
 * dropped) or, with nul, at '\0'. Read a byte at a time into a fixed
 * buffer rather than with getdelim: getdelim would grow its buffer without
 * limit on a long line (or a binary file with no newline), while here an
 * entry is refused the moment it passes PATH_MAX, and only the kept paths
 * are ever held in memory.
 */
static int
read_list(
    FILE *fp, const char *name, int nul, struct gather *g, struct fz_err *err)
{
	char buf[PATH_MAX + 1];
	unsigned long entries = 0;
	size_t len = 0;
	int c, delim = nul ? '\0' : '\n', rc = -1, eof;
	const char *unit = nul ? "entry" : "line";

	flockfile(fp);
	for (;;) {
		c = getc_unlocked(fp);
		eof = c == EOF;
		if (!eof && c != delim) {
			if (!nul && c == '\0') {
				fz_seterr(err,
				    "%s: line %lu: NUL byte in a "
				    "newline-separated list (use -0)",
				    name, entries + 1);
				goto out;
			}
			/* One byte of slack for the '\r' stripped below. */
			if (len == PATH_MAX) {
				fz_seterr(err,
				    "%s: %s %lu: path longer than "
				    "%d bytes",
				    name, unit, entries + 1, GATHER_MAX_PATH);
				goto out;
			}
			buf[len++] = (char)c;
			continue;
		}
		if (eof) {
			if (ferror(fp)) {
				fz_seterr(err, "%s: read error: %s", name,
				    strerror(errno));
				goto out;
			}
			/* A last line without its newline still counts. */
			if (len == 0)
				break;
		}
		if (++entries > GATHER_MAX_ITEMS) {
			fz_seterr(err, "%s: more than %u entries", name,
			    GATHER_MAX_ITEMS);
			goto out;
		}
		if (!nul && len > 0 && buf[len - 1] == '\r')
			len--;
		if (len > GATHER_MAX_PATH) {
			fz_seterr(err, "%s: %s %lu: path longer than %d bytes",
			    name, unit, entries, GATHER_MAX_PATH);
			goto out;
		}
		buf[len] = '\0';
		if (len > 0 && push_item(g, buf, NULL, NULL, err) == -1)
			goto out;
		len = 0;
		if (eof)
			break;
	}
	rc = 0;
out:
	funlockfile(fp);
	return rc;
}

/* dir + "/" + name, without doubling a slash that dir already ends with. */
static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return fz_printf("%s%s", dir, name);
	return fz_printf("%s/%s", dir, name);
}

/* Case-insensitive ".jpg" or ".jpeg" at the end of name (ASCII only, so
 * the locale cannot change the answer). */
static int
is_jpeg_name(const char *name)
{
	static const char *const exts[] = {".jpg", ".jpeg"};
	size_t n = strlen(name), e, i, k;
	int c;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		e = strlen(exts[i]);
		if (n <= e)
			continue;
		for (k = 0; k < e; k++) {
			c = (unsigned char)name[n - e + k];
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != exts[i][k])
				break;
		}
		if (k == e)
			return 1;
	}
	return 0;
}

static int walk_dir(DIR *d, const char *dpath, int depth, int recursive,
    struct gather *g, struct fz_err *err);

/* Opens subdirectory name of d (found by lstat to be a directory) and
 * walks it. O_NOFOLLOW closes the window in which it could be swapped for
 * a symlink after the lstat; a directory that cannot be opened becomes an
 * item carrying the error, so the record reports it. */
static int
descend(DIR *d, const char *name, const char *path, int depth, int recursive,
    struct gather *g, struct fz_err *err)
{
	DIR *sd;
	int fd, rc;

	fd = openat(
	    dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return push_item(g, path, "unreadable", strerror(errno), err);
	if ((sd = fdopendir(fd)) == NULL) {
		rc = push_item(g, path, "unreadable", strerror(errno), err);
		close(fd);
		return rc;
	}
	rc = walk_dir(sd, path, depth, recursive, g, err);
	closedir(sd);
	return rc;
}

/* Classifies one directory entry: an item, a note, a walk, or nothing. */
static int
walk_entry(DIR *d, const char *name, const char *path, int depth, int recursive,
    struct gather *g, struct fz_err *err)
{
	struct stat st;
	int jpeg = is_jpeg_name(name);

	/* d_type may be DT_UNKNOWN (some file systems), so always ask. */
	if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		/* Most likely removed since readdir returned it. */
		return push_note_why(g, path, "skipped", strerror(errno), err);
	}
	if (S_ISLNK(st.st_mode)) {
		if (fstatat(dirfd(d), name, &st, 0) == -1)
			return push_note(
			    g, path, "skipped, broken symbolic link", err);
		/* Never through a symlink: it may loop or leave the tree. */
		if (S_ISDIR(st.st_mode))
			return push_note(
			    g, path, "skipped symlinked directory", err);
	}
	if (S_ISDIR(st.st_mode)) {
		if (!recursive)
			return push_note(
			    g, path, "skipped directory (use -r)", err);
		if (depth >= GATHER_MAX_DEPTH)
			return push_note(
			    g, path, "skipped, too deep (over 64 levels)", err);
		return descend(d, name, path, depth + 1, recursive, g, err);
	}
	if (!jpeg)
		return push_note(
		    g, path, "skipped, not a .jpg or .jpeg file", err);
	if (!S_ISREG(st.st_mode))
		return push_note(g, path, "skipped, not a regular file", err);
	return push_item(g, path, NULL, NULL, err);
}

static int
walk_dir(DIR *d, const char *dpath, int depth, int recursive, struct gather *g,
    struct fz_err *err)
{
	struct dirent *de;
	char *path;
	int rc;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				return push_note_why(g, dpath,
				    "error reading directory", strerror(errno),
				    err);
			return 0;
		}
		/* ".", "..", and hidden files such as .DS_Store and the
		 * AppleDouble "._x.jpg" that macOS leaves on shared disks. */
		if (de->d_name[0] == '.')
			continue;
		if ((path = join(dpath, de->d_name)) == NULL)
			return oom(err);
		rc = walk_entry(d, de->d_name, path, depth, recursive, g, err);
		free(path);
		if (rc == -1)
			return -1;
	}
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct gather_item *)a)->path,
	    ((const struct gather_item *)b)->path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "skipped N what, M what": the counts now[i] - before[i] that are not 0. */
static char *
skip_text(const size_t *now, const size_t *before)
{
	char *s = NULL, *t;
	size_t i, k;

	for (i = 0; i < GATHER_NREASONS; i++) {
		if ((k = now[i] - (before ? before[i] : 0)) == 0)
			continue;
		t = fz_printf("%s%s %zu %s", s ? s : "skipped", s ? "," : "", k,
		    k == 1 ? reasons[i].one : reasons[i].many);
		free(s);
		if ((s = t) == NULL)
			return NULL;
	}
	return s;
}

char *
gather_skip_summary(const struct gather *g)
{
	return skip_text(g->skipped, NULL);
}

/*
 * The notes from nfirst on (one directory operand's) replaced by one
 * "ARG: skipped ..." note when there are more than GATHER_MAX_NOTES.
 */
static int
summarise_notes(struct gather *g, const char *arg, size_t nfirst,
    const size_t *before, struct fz_err *err)
{
	char *what, *s;
	int rc;

	if (g->notes.n - nfirst <= GATHER_MAX_NOTES)
		return 0;
	if ((what = skip_text(g->skipped, before)) == NULL)
		return oom(err);
	s = fz_printf("%s: %s", arg, what);
	free(what);
	if (s == NULL)
		return oom(err);
	while (g->notes.n > nfirst)
		free(g->notes.v[--g->notes.n]);
	rc = strlist_push(&g->notes, s);
	free(s);
	return rc == 0 ? 0 : oom(err);
}

/* A directory operand: its items and notes, each sorted so that the
 * output does not depend on readdir order. */
static int
expand_dir(const char *arg, int recursive, struct gather *g, struct fz_err *err)
{
	size_t first = g->n, nfirst = g->notes.n, n;
	size_t before[GATHER_NREASONS];
	char *base;
	DIR *d;
	int rc;

	if ((d = opendir(arg)) == NULL)
		return push_item(g, arg, "unreadable", strerror(errno), err);
	/* "dir/" and "dir//" both list as "dir/x.jpg"; "/" stays "/". */
	if ((base = strdup(arg)) == NULL) {
		closedir(d);
		return oom(err);
	}
	for (n = strlen(base); n > 1 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	memcpy(before, g->skipped, sizeof(before));
	rc = walk_dir(d, base, 0, recursive, g, err);
	if (rc == 0)
		rc = summarise_notes(g, base, nfirst, before, err);
	closedir(d);
	free(base);
	if (rc == -1)
		return -1;
	/* qsort must not see a NULL base, even for zero elements. */
	if (g->n > first)
		qsort(g->v + first, g->n - first, sizeof(*g->v), cmp_item);
	if (g->notes.n > nfirst)
		qsort(g->notes.v + nfirst, g->notes.n - nfirst,
		    sizeof(char *), cmp_str);
	return 0;
}

static int
expand_operand(const char *arg, const struct gather_opts *opts,
    struct gather *g, struct fz_err *err)
{
	struct stat st;

	if (strcmp(arg, "-") == 0)
		return read_list(opts->in ? opts->in : stdin, "stdin",
		    opts->null_sep, g, err);
	/* Anything that is not a directory, even a path that does not exist,
	 * is tried as given: the loader reports what is wrong with it. */
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		return expand_dir(arg, opts->recursive, g, err);
	return push_item(g, arg, NULL, NULL, err);
}

static int
read_files_from(
    const struct gather_opts *opts, struct gather *g, struct fz_err *err)
{
	const char *name = opts->files_from;
	FILE *fp;
	int rc;

	if (strcmp(name, "-") == 0)
		return read_list(opts->in ? opts->in : stdin, "stdin",
		    opts->null_sep, g, err);
	if ((fp = fopen(name, "r")) == NULL) {
		fz_seterr(err, "%s: %s", name, strerror(errno));
		return -1;
	}
	rc = read_list(fp, name, opts->null_sep, g, err);
	fclose(fp);
	return rc;
}

int
gather_inputs(char *const *args, size_t nargs, const struct gather_opts *opts,
    struct gather *out, struct fz_err *err)
{
	size_t i, readers = 0;

	memset(out, 0, sizeof(*out));
	/* Refused before any work, so nothing is read from stdin for a run
	 * that cannot go ahead. */
	for (i = 0; i < nargs; i++)
		if (strcmp(args[i], "-") == 0)
			readers++;
	if (opts->files_from != NULL && strcmp(opts->files_from, "-") == 0)
		readers++;
	if (readers > 1) {
		fz_seterr(err,
		    "standard input can be read only once "
		    "(\"-\" given twice, or with --files-from -)");
		return -1;
	}
	for (i = 0; i < nargs; i++)
		if (expand_operand(args[i], opts, out, err) == -1)
			goto fail;
	if (opts->files_from != NULL && read_files_from(opts, out, err) == -1)
		goto fail;
	return 0;
fail:
	gather_free(out);
	return -1;
}

void
gather_free(struct gather *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++) {
		free(g->v[i].path);
		free(g->v[i].error_code);
		free(g->v[i].error_msg);
	}
	free(g->v);
	strlist_free(&g->notes);
	memset(g, 0, sizeof(*g));
}
