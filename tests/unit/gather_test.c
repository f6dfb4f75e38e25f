/* Unit tests for gather.c: operands, directories, -r, path lists, errors. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gather.h"
#include "unit.h"

static char root[64];

/* root + "/" + rel, in a static buffer (one at a time is enough here). */
static const char *
at(const char *rel)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%s/%s", root, rel);
	return buf;
}

static void
mkfile(const char *rel)
{
	FILE *fp = fopen(at(rel), "w");

	CHECK(fp != NULL);
	if (fp != NULL) {
		fputs("x", fp);
		fclose(fp);
	}
}

static void
mkd(const char *rel)
{
	CHECK(mkdir(at(rel), 0700) == 0);
}

static void
mklink(const char *target, const char *rel)
{
	CHECK(symlink(target, at(rel)) == 0);
}

/* Runs gather_inputs over a single list held in memory. */
static int
run_list(const char *data, size_t len, int nul, char *const *args, size_t nargs,
    const char *files_from, struct gather *g, struct fz_err *err)
{
	struct gather_opts o = {0, nul, files_from, NULL};
	FILE *fp = fmemopen((void *)(size_t)data, len, "r");
	int rc;

	CHECK(fp != NULL);
	if (fp == NULL)
		return -2;
	o.in = fp;
	rc = gather_inputs(args, nargs, &o, g, err);
	fclose(fp);
	return rc;
}

static void
build_tree(void)
{
	mkd("a");
	mkfile("a/b.jpg");
	mkfile("a/A.JPG");
	mkfile("a/c.jpeg");
	mkfile("a/D.JPEG");
	mkfile("a/e.png");
	mkfile("a/f.txt");
	mkfile("a/.DS_Store");
	mkfile("a/._x.jpg");
	mkd("a/.hidden");
	mkfile("a/.hidden/k.jpg");
	mkd("a/sub");
	mkfile("a/sub/g.jpg");
	mkfile("a/sub/i.txt");
	mkd("a/sub/deep");
	mkfile("a/sub/deep/h.Jpg");
	mklink("sub", "a/link");
	mklink("b.jpg", "a/lnk.jpg");
	mklink("nowhere.jpg", "a/dangling.jpg");
	CHECK(mkfifo(at("a/fifo.jpg"), 0600) == 0);
	mkfile("x.png");
}

static void
check_path(const struct gather *g, size_t i, const char *rel)
{
	CHECK(i < g->n);
	if (i < g->n) {
		CHECK_STR(g->v[i].path, at(rel));
		CHECK(g->v[i].error_code == NULL);
	}
}

static void
check_note(const struct gather *g, size_t i, const char *rel_and_text)
{
	CHECK(i < g->notes.n);
	if (i < g->notes.n)
		CHECK_STR(g->notes.v[i], at(rel_and_text));
}

static void
test_dir_flat(void)
{
	struct gather_opts o = {0, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	char dir[128];
	char *args[1];

	snprintf(dir, sizeof(dir), "%s", at("a"));
	args[0] = dir;
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	CHECK(g.n == 5);
	check_path(&g, 0, "a/A.JPG");
	check_path(&g, 1, "a/D.JPEG");
	check_path(&g, 2, "a/b.jpg");
	check_path(&g, 3, "a/c.jpeg");
	check_path(&g, 4, "a/lnk.jpg");
	CHECK(g.notes.n == 6);
	check_note(&g, 0, "a/dangling.jpg: skipped, broken symbolic link");
	check_note(&g, 1, "a/e.png: skipped, not a .jpg or .jpeg file");
	check_note(&g, 2, "a/f.txt: skipped, not a .jpg or .jpeg file");
	check_note(&g, 3, "a/fifo.jpg: skipped, not a regular file");
	check_note(&g, 4, "a/link: skipped symlinked directory");
	check_note(&g, 5, "a/sub: skipped directory (use -r)");
	gather_free(&g);
	CHECK(g.n == 0 && g.v == NULL && g.notes.n == 0);
	gather_free(&g); /* twice is harmless */

	/* "a/" and "a//" must not give "a//b.jpg". */
	snprintf(dir, sizeof(dir), "%s/", at("a"));
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	CHECK(g.n == 5);
	check_path(&g, 2, "a/b.jpg");
	check_note(&g, 5, "a/sub: skipped directory (use -r)");
	gather_free(&g);
	snprintf(dir, sizeof(dir), "%s//", at("a"));
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	check_path(&g, 0, "a/A.JPG");
	gather_free(&g);

	/* A symlink to a directory given as an operand is followed. */
	snprintf(dir, sizeof(dir), "%s", at("a/link"));
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	CHECK(g.n == 1);
	check_path(&g, 0, "a/link/g.jpg");
	CHECK(g.notes.n == 2);
	check_note(&g, 0, "a/link/deep: skipped directory (use -r)");
	check_note(&g, 1, "a/link/i.txt: skipped, not a .jpg or .jpeg file");
	gather_free(&g);
}

static void
test_dir_recursive(void)
{
	struct gather_opts o = {1, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	char dir[128];
	char *args[1] = {dir};

	snprintf(dir, sizeof(dir), "%s", at("a"));
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	CHECK(g.n == 7);
	check_path(&g, 0, "a/A.JPG");
	check_path(&g, 1, "a/D.JPEG");
	check_path(&g, 2, "a/b.jpg");
	check_path(&g, 3, "a/c.jpeg");
	check_path(&g, 4, "a/lnk.jpg");
	/* strcmp of the full path: sub/deep/h.Jpg < sub/g.jpg */
	check_path(&g, 5, "a/sub/deep/h.Jpg");
	check_path(&g, 6, "a/sub/g.jpg");
	CHECK(g.notes.n == 6);
	check_note(&g, 0, "a/dangling.jpg: skipped, broken symbolic link");
	check_note(&g, 3, "a/fifo.jpg: skipped, not a regular file");
	/* -r never goes through a symlinked directory. */
	check_note(&g, 4, "a/link: skipped symlinked directory");
	check_note(&g, 5, "a/sub/i.txt: skipped, not a .jpg or .jpeg file");
	gather_free(&g);
}

static void
test_depth(void)
{
	struct gather_opts o = {1, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	char rel[512], note[600], dir[128];
	char *args[1] = {dir};
	int i;

	strcpy(rel, "deep");
	mkd(rel);
	for (i = 1; i <= GATHER_MAX_DEPTH + 1; i++) {
		strcat(rel, "/d");
		mkd(rel);
		if (i >= GATHER_MAX_DEPTH) {
			char f[600];

			snprintf(f, sizeof(f), "%s/x.jpg", rel);
			mkfile(f);
		}
	}
	snprintf(dir, sizeof(dir), "%s", at("deep"));
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	/* Found at level 64; the level-65 directory is noted, not opened. */
	CHECK(g.n == 1);
	strcpy(rel, "deep");
	for (i = 1; i <= GATHER_MAX_DEPTH; i++)
		strcat(rel, "/d");
	strcat(rel, "/x.jpg");
	check_path(&g, 0, rel);
	CHECK(g.notes.n == 1);
	strcpy(rel, "deep");
	for (i = 1; i <= GATHER_MAX_DEPTH + 1; i++)
		strcat(rel, "/d");
	snprintf(
	    note, sizeof(note), "%s: skipped, too deep (over 64 levels)", rel);
	check_note(&g, 0, note);
	gather_free(&g);
}

static void
test_operands(void)
{
	struct fz_err err = { "", 0 };
	struct gather g;
	static const char list[] = "one.jpg\r\ntwo.jpg\n\n\r\nthree.jpg";
	char p0[128], p1[128], p2[128], p3[128], p4[128];
	char *args[6] = {p0, p1, p2, (char *)(size_t) "-", p3, p4};

	snprintf(p0, sizeof(p0), "%s", at("x.png"));
	snprintf(p1, sizeof(p1), "%s", at("a/sub"));
	snprintf(p2, sizeof(p2), "%s", at("missing.jpg"));
	snprintf(p3, sizeof(p3), "%s", at("a/.DS_Store"));
	snprintf(p4, sizeof(p4), "%s", at("a/sub/g.jpg"));
	CHECK(
	    run_list(list, sizeof(list) - 1, 0, args, 6, NULL, &g, &err) == 0);
	CHECK(g.n == 8);
	/* An explicit operand is always tried, whatever its name. */
	check_path(&g, 0, "x.png");
	check_path(&g, 1, "a/sub/g.jpg");
	/* A missing file stays an item; the loader reports it. */
	check_path(&g, 2, "missing.jpg");
	if (g.n == 8) {
		CHECK_STR(g.v[3].path, "one.jpg");
		CHECK_STR(g.v[4].path, "two.jpg");
		CHECK_STR(g.v[5].path, "three.jpg");
	}
	check_path(&g, 6, "a/.DS_Store");
	/* Named twice, listed twice: the user asked for it. */
	check_path(&g, 7, "a/sub/g.jpg");
	CHECK(g.notes.n == 2);
	check_note(&g, 0, "a/sub/deep: skipped directory (use -r)");
	gather_free(&g);
}

static void
test_null_lists(void)
{
	struct fz_err err = { "", 0 };
	struct gather g;
	static const char list[] = "a\0\0b c\n.jpg\0d\r\0e";
	static const char nl[] = "a\nb";
	char *args[1] = {(char *)(size_t) "-"};

	CHECK(
	    run_list(list, sizeof(list) - 1, 1, args, 1, NULL, &g, &err) == 0);
	CHECK(g.n == 4);
	if (g.n == 4) {
		CHECK_STR(g.v[0].path, "a");
		/* Newlines are part of the name with -0, and so is "\r". */
		CHECK_STR(g.v[1].path, "b c\n.jpg");
		CHECK_STR(g.v[2].path, "d\r");
		CHECK_STR(g.v[3].path, "e");
	}
	gather_free(&g);

	/* A newline list read with -0 is one path. */
	CHECK(run_list(nl, sizeof(nl) - 1, 1, args, 1, NULL, &g, &err) == 0);
	CHECK(g.n == 1);
	if (g.n == 1)
		CHECK_STR(g.v[0].path, "a\nb");
	gather_free(&g);

	/* An empty list is no items and no error. */
	CHECK(run_list("", 0, 0, args, 1, NULL, &g, &err) == 0);
	CHECK(g.n == 0);
	gather_free(&g);

	/* A NUL in a newline list is refused, naming the line. */
	CHECK(
	    run_list(list, sizeof(list) - 1, 0, args, 1, NULL, &g, &err) == -1);
	CHECK_STR(err.msg,
	    "stdin: line 1: NUL byte in a newline-separated "
	    "list (use -0)");
	CHECK(g.n == 0 && g.v == NULL);
}

static void
test_long_lines(void)
{
	struct fz_err err = { "", 0 };
	struct gather g;
	char *buf, want[128];
	char *args[1] = {(char *)(size_t) "-"};
	size_t max = PATH_MAX - 1;

	if ((buf = malloc(PATH_MAX + 16)) == NULL) {
		CHECK(buf != NULL);
		return;
	}
	/* PATH_MAX - 1 bytes, then with "\r\n": both accepted. */
	memset(buf, 'p', max);
	CHECK(run_list(buf, max, 0, args, 1, NULL, &g, &err) == 0);
	CHECK(g.n == 1 && strlen(g.v[0].path) == max);
	gather_free(&g);
	memcpy(buf + max, "\r\nq\n", 4);
	CHECK(run_list(buf, max + 4, 0, args, 1, NULL, &g, &err) == 0);
	CHECK(g.n == 2 && strlen(g.v[0].path) == max);
	gather_free(&g);

	/* One byte more is refused, on the second line here. */
	memcpy(buf, "ok\n", 3);
	memset(buf + 3, 'p', max + 1);
	buf[max + 4] = '\n';
	snprintf(want, sizeof(want),
	    "stdin: line 2: path longer than %d "
	    "bytes",
	    PATH_MAX - 1);
	CHECK(run_list(buf, max + 5, 0, args, 1, NULL, &g, &err) == -1);
	CHECK_STR(err.msg, want);
	CHECK(g.n == 0);
	/* Far too long, with no newline at all: refused as soon as seen. */
	memset(buf, 'p', PATH_MAX + 16);
	snprintf(want, sizeof(want),
	    "stdin: entry 1: path longer than %d "
	    "bytes",
	    PATH_MAX - 1);
	CHECK(run_list(buf, PATH_MAX + 16, 1, args, 1, NULL, &g, &err) == -1);
	CHECK_STR(err.msg, want);
	free(buf);
}

static void
test_huge_list(void)
{
	struct fz_err err = { "", 0 };
	struct gather g;
	char *buf, *p;
	char *args[1] = {(char *)(size_t) "-"};
	size_t i, n = 100000;

	if ((buf = malloc(n * 16)) == NULL) {
		CHECK(buf != NULL);
		return;
	}
	for (p = buf, i = 0; i < n; i++)
		p += sprintf(p, "p/%06zu.jpg\n", i);
	CHECK(
	    run_list(buf, (size_t)(p - buf), 0, args, 1, NULL, &g, &err) == 0);
	CHECK(g.n == n);
	if (g.n == n) {
		CHECK_STR(g.v[0].path, "p/000000.jpg");
		CHECK_STR(g.v[n - 1].path, "p/099999.jpg");
	}
	gather_free(&g);
	free(buf);
}

static void
test_files_from(void)
{
	struct gather_opts o = {0, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	char ff[128], op[128];
	char *args[2] = {op, (char *)(size_t) "-"};
	FILE *fp;

	snprintf(ff, sizeof(ff), "%s", at("list.txt"));
	snprintf(op, sizeof(op), "%s", at("x.png"));
	if ((fp = fopen(ff, "w")) == NULL) {
		CHECK(fp != NULL);
		return;
	}
	fputs("l1.jpg\r\n\nl2.jpg\n", fp);
	fclose(fp);

	/* --files-from entries come after the operands, "-" included. */
	CHECK(run_list("s1.jpg\n", 7, 0, args, 2, ff, &g, &err) == 0);
	CHECK(g.n == 4);
	if (g.n == 4) {
		CHECK_STR(g.v[0].path, op);
		CHECK_STR(g.v[1].path, "s1.jpg");
		CHECK_STR(g.v[2].path, "l1.jpg");
		CHECK_STR(g.v[3].path, "l2.jpg");
	}
	gather_free(&g);

	/* --files-from - reads opts->in. */
	CHECK(run_list("s1.jpg\0s2.jpg", 13, 1, args, 1, "-", &g, &err) == 0);
	CHECK(g.n == 3);
	if (g.n == 3) {
		CHECK_STR(g.v[1].path, "s1.jpg");
		CHECK_STR(g.v[2].path, "s2.jpg");
	}
	gather_free(&g);

	/* A --files-from FILE that cannot be opened is a usage error. */
	o.files_from = at("nolist.txt");
	snprintf(ff, sizeof(ff), "%s: %s", at("nolist.txt"), strerror(ENOENT));
	CHECK(gather_inputs(args, 1, &o, &g, &err) == -1);
	CHECK_STR(err.msg, ff);
	CHECK(g.n == 0 && g.v == NULL);

	/* -0 --files-from /dev/zero: endless empty entries, stopped. */
	o.null_sep = 1;
	o.files_from = "/dev/zero";
	CHECK(gather_inputs(args, 0, &o, &g, &err) == -1);
	CHECK_STR(err.msg, "/dev/zero: more than 1000000 entries");
	CHECK(g.n == 0);
}

static void
test_two_stdin(void)
{
	struct gather_opts o = {0, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	char *two[2] = {(char *)(size_t) "-", (char *)(size_t) "-"};
	static const char want[] =
	    "standard input can be read only once "
	    "(\"-\" given twice, or with --files-from -)";
	FILE *fp = fmemopen((void *)(size_t) "a\n", 2, "r");

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	o.in = fp;
	CHECK(gather_inputs(two, 2, &o, &g, &err) == -1);
	CHECK_STR(err.msg, want);
	CHECK(g.n == 0);
	o.files_from = "-";
	err.msg[0] = '\0';
	CHECK(gather_inputs(two, 1, &o, &g, &err) == -1);
	CHECK_STR(err.msg, want);
	/* Refused before anything was read. */
	CHECK(getc(fp) == 'a');
	fclose(fp);
}

/*
 * Running as root, chmod 000 does not stop opendir, so a directory that
 * cannot be opened is made by leaving no file descriptor free: opendir
 * then fails with EMFILE, a real failure of the same call.
 */
static void
test_unreadable(void)
{
	struct gather_opts o = {0, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	struct rlimit old, lim;
	char dir[128], file[128];
	char *args[2] = {dir, file};
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", at("a"));
	snprintf(file, sizeof(file), "%s", at("x.png"));
	if ((fd = dup(0)) == -1 || getrlimit(RLIMIT_NOFILE, &old) == -1) {
		CHECK(0);
		return;
	}
	close(fd); /* fd is now the lowest free descriptor */
	lim = old;

	/* The operand itself: an item that carries the error; run goes on. */
	lim.rlim_cur = (rlim_t)fd;
	CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	rc = gather_inputs(args, 2, &o, &g, &err);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK(rc == 0);
	CHECK(g.n == 2);
	if (g.n == 2) {
		CHECK_STR(g.v[0].path, dir);
		CHECK_STR(g.v[0].error_code, "unreadable");
		CHECK_STR(g.v[0].error_msg, strerror(EMFILE));
		check_path(&g, 1, "x.png");
	}
	gather_free(&g);

	/* A subdirectory under -r: one descriptor for the top only. */
	o.recursive = 1;
	lim.rlim_cur = (rlim_t)fd + 1;
	CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	rc = gather_inputs(args, 1, &o, &g, &err);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK(rc == 0);
	CHECK(g.n == 6);
	if (g.n == 6) {
		check_path(&g, 4, "a/lnk.jpg");
		CHECK_STR(g.v[5].path, at("a/sub"));
		CHECK_STR(g.v[5].error_code, "unreadable");
		CHECK_STR(g.v[5].error_msg, strerror(EMFILE));
	}
	gather_free(&g);
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "gather_test: could not remove %s\n", root);
}

/* Issue F.17: over GATHER_MAX_NOTES notes for one directory become one. */
static void
test_summary(void)
{
	struct gather_opts o = {0, 0, NULL, NULL};
	struct fz_err err = { "", 0 };
	struct gather g;
	char dir[128], name[64], *sum, *want;
	char *args[1];
	int i;

	mkd("many");
	mkd("many/sub");
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "many/%02d.HEIC", i);
		mkfile(name);
	}
	snprintf(dir, sizeof(dir), "%s", at("many"));
	args[0] = dir;
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	CHECK(g.n == 0);
	CHECK(g.notes.n == 1);
	want = fz_printf("%s: skipped 30 files not .jpg or .jpeg, 1 directory "
	    "(use -r)", dir);
	if (g.notes.n == 1 && want != NULL)
		CHECK_STR(g.notes.v[0], want);
	free(want);
	sum = gather_skip_summary(&g);
	CHECK(sum != NULL);
	if (sum != NULL)
		CHECK_STR(sum, "skipped 30 files not .jpg or .jpeg, 1 directory "
		    "(use -r)");
	free(sum);
	gather_free(&g);
	/* A few notes stay as they are; nothing skipped gives no summary. */
	args[0] = (char *)(size_t)"/nonexistent-gather-test";
	CHECK(gather_inputs(args, 1, &o, &g, &err) == 0);
	CHECK(gather_skip_summary(&g) == NULL);
	gather_free(&g);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/gather_test.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	build_tree();
	test_dir_flat();
	test_dir_recursive();
	test_depth();
	test_operands();
	test_null_lists();
	test_long_lines();
	test_huge_list();
	test_files_from();
	test_two_stdin();
	test_unreadable();
	test_summary();
	cleanup();
	return unit_done("gather");
}
