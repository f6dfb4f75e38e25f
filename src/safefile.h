/* Files written safely, for -o FILE and saved images alike: a temporary file beside the name, then a link or a rename. */
#ifndef SAFEFILE_H
#define SAFEFILE_H

#include <stddef.h>

/* Room for ".faiz-" + 16 hex digits + ".tmp" and the NUL. */
#define SAFEFILE_TMPLEN 32

/*
 * A fresh temporary file in dirfd, mode exactly 0600 whatever the umask,
 * created with O_EXCL and O_NOFOLLOW under a random name (in tmp).
 * Returns the descriptor (close-on-exec, for writing), or -1 with errno.
 */
int safefile_tmp(int dirfd, char tmp[SAFEFILE_TMPLEN]);

/* Write all of b to fd, sync and close it (always closed). 0, or -1 with errno. */
int safefile_fill(int fd, const void *b, size_t n);

enum safefile_status { SAFEFILE_OK = 0, SAFEFILE_EXISTS = -1,
	SAFEFILE_FAILED = -2 };

/*
 * Put the finished temporary file tmp at name, both in dirfd. Without
 * force linkat(2) never replaces anything, not even a dangling symbolic
 * link (SAFEFILE_EXISTS, errno EEXIST); on a file system without hard
 * links (FAT, some FUSE) the contents are copied into name created with
 * O_EXCL and O_NOFOLLOW instead. With force renameat(2) replaces the name
 * itself and never follows a link there. On SAFEFILE_OK tmp is gone and
 * name holds the file; otherwise (errno set) name is as it was and tmp is
 * left for the caller to remove.
 */
int safefile_commit(int dirfd, const char *tmp, const char *name, int force);

#endif
