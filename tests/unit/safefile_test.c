/* Unit tests for safefile.c: temporary files 0600, link never replaces, rename replaces a link itself. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "safefile.h"
#include "unit.h"

static int
content_is(int dfd, const char *name, const char *want)
{
	char buf[64];
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW);

	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

int
main(void)
{
	char tmpl[] = "/tmp/safefile_test.XXXXXX", tmp[SAFEFILE_TMPLEN],
	    tmp2[SAFEFILE_TMPLEN], cmd[96];
	struct stat st;
	int dfd, fd;

	if (mkdtemp(tmpl) == NULL ||
	    (dfd = open(tmpl, O_RDONLY | O_DIRECTORY)) == -1)
		return 2;
	umask(0);
	CHECK((fd = safefile_tmp(dfd, tmp)) >= 0);
	CHECK(fstatat(dfd, tmp, &st, 0) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(tmp[0] == '.');
	CHECK(safefile_fill(fd, "one", 3) == 0);
	CHECK(safefile_commit(dfd, tmp, "a", 0) == SAFEFILE_OK);
	CHECK(content_is(dfd, "a", "one"));
	CHECK(faccessat(dfd, tmp, F_OK, 0) == -1);

	/* Without force nothing is replaced, not even a dangling link. */
	CHECK((fd = safefile_tmp(dfd, tmp)) >= 0);
	CHECK(safefile_fill(fd, "two", 3) == 0);
	CHECK(safefile_commit(dfd, tmp, "a", 0) == SAFEFILE_EXISTS &&
	    errno == EEXIST);
	CHECK(content_is(dfd, "a", "one"));
	CHECK(symlinkat("nowhere", dfd, "dangling") == 0);
	CHECK(safefile_commit(dfd, tmp, "dangling", 0) == SAFEFILE_EXISTS);
	CHECK(faccessat(dfd, "nowhere", F_OK, AT_SYMLINK_NOFOLLOW) == -1);

	/* With force the link itself is replaced, its target untouched. */
	CHECK(symlinkat("a", dfd, "link") == 0);
	CHECK(safefile_commit(dfd, tmp, "link", 1) == SAFEFILE_OK);
	CHECK(fstatat(dfd, "link", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(content_is(dfd, "link", "two"));
	CHECK(content_is(dfd, "a", "one"));

	/* Two temporary files never share a name. */
	CHECK((fd = safefile_tmp(dfd, tmp)) >= 0 && close(fd) == 0);
	CHECK((fd = safefile_tmp(dfd, tmp2)) >= 0 && close(fd) == 0);
	CHECK(strcmp(tmp, tmp2) != 0);

	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		return 2;
	return unit_done("safefile");
}
