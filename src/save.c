/* Saving the images a recogniser returns: JPEG checks, safe all-or-nothing writes. */
#include "save.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jpeg.h"
#include "record.h"

/* One kind of returned image: its enum image_kind bit, images_out key and file name part. */
struct kind {
	unsigned bit;
	const char *key;
};

static const struct kind kinds_tab[] = {
	{ IMAGE_CROPPED, "cropped" },
	{ IMAGE_PORTRAIT, "portrait" },
	{ IMAGE_ID_NUMBER, "id_number" },
};
#define NKINDS (sizeof(kinds_tab) / sizeof(kinds_tab[0]))

/* Room for ".faiz-" + 16 hex digits + ".tmp" and the NUL. */
#define TMPNAME_LEN 32
#define TMP_TRIES 16

/* One image on its way to the disk. */
struct pending {
	const struct kind *k;
	const unsigned char *bytes;
	size_t n;
	char *name;              /* STEM.KIND.jpg, relative to dirfd */
	char *path;              /* DIR/STEM.KIND.jpg, for messages and images_out */
	char tmp[TMPNAME_LEN];   /* the temporary name, relative to dirfd */
	int have_tmp;            /* tmp exists and is ours to remove */
	int committed;           /* name exists and was created by this call */
};

/* The stem comes from the input's file name; refuse anything that could leave dir or hide. */
static int
stem_ok(const char *stem)
{
	return stem != NULL && stem[0] != '\0' && stem[0] != '.' &&
	    strchr(stem, '/') == NULL;
}

static char *
file_name(const char *stem, const struct kind *k)
{
	return fz_printf("%s.%s.jpg", stem, k->key);
}

static char *
path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	if (dl > 0 && dir[dl - 1] == '/')
		return fz_printf("%s%s", dir, name);
	return fz_printf("%s/%s", dir, name);
}

int
save_would_clobber(const char *dir, const char *stem, unsigned kinds,
    char **which)
{
	struct stat sb;
	char *name, *path;
	size_t i;

	*which = NULL;
	if (dir == NULL || !stem_ok(stem))
		return -1;
	for (i = 0; i < NKINDS; i++) {
		if (!(kinds & kinds_tab[i].bit))
			continue;
		if ((name = file_name(stem, &kinds_tab[i])) == NULL)
			return -1;
		path = path_join(dir, name);
		free(name);
		if (path == NULL)
			return -1;
		/* lstat: a symbolic link counts, dangling or not. */
		if (lstat(path, &sb) == 0) {
			*which = path;
			return 1;
		}
		free(path);
	}
	return 0;
}

int
save_dir_open(const char *dir, struct fz_err *err)
{
	int fd;

	/* dir itself may be a symbolic link: users link their folders. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			fz_seterr(err, "%s: %s", dir, strerror(errno));
			return -1;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd == -1) {
		fz_seterr(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return fd;
}

/*
 * Create a fresh temporary file in dirfd, name in tmp. O_EXCL makes a
 * guessed name harmless (it fails, and another is tried); the name only
 * needs to be unlikely to collide.
 */
static int
tmp_create(int dirfd, char tmp[TMPNAME_LEN])
{
	static unsigned long seq;
	struct timespec ts;
	unsigned long long r;
	int fd, i;

	for (i = 0; i < TMP_TRIES; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (unsigned long long)ts.tv_nsec ^
		    ((unsigned long long)ts.tv_sec << 30) ^
		    ((unsigned long long)getpid() << 40) ^
		    ((unsigned long long)++seq * 0x9e3779b97f4a7c15ULL);
		snprintf(tmp, TMPNAME_LEN, ".faiz-%016llx.tmp", r);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Set the mode, write all of b, sync and close fd (always closed). 0, or -1 with errno. */
static int
fill(int fd, const unsigned char *b, size_t n)
{
	ssize_t w;
	int e;

	/* The mode given to openat is cut by the umask; make it exactly 0600. */
	if (fchmod(fd, 0600) == -1)
		goto fail;
	while (n > 0) {
		w = write(fd, b, n > SSIZE_MAX ? SSIZE_MAX : n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (w == 0) {
			errno = EIO;
			goto fail;
		}
		b += w;
		n -= (size_t)w;
	}
	/* Some file systems cannot sync; that is no reason to fail the save. */
	if (fsync(fd) == -1 && errno != EINVAL)
		goto fail;
	return close(fd);
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* File systems without hard links (FAT, some FUSE) say so with these. */
static int
no_links(int e)
{
	return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS;
}

/*
 * Move p's temporary file to its name. Without force linkat(2) refuses to
 * replace anything, even a dangling symbolic link; with force renameat(2)
 * replaces the name itself and never follows a link there.
 */
static int
commit(int dirfd, struct pending *p, int force, struct fz_err *err)
{
	int fd;

	if (force) {
		if (renameat(dirfd, p->tmp, dirfd, p->name) == -1)
			goto failed;
		p->have_tmp = 0;
		p->committed = 1;
		return SAVE_OK;
	}
	if (linkat(dirfd, p->tmp, dirfd, p->name, 0) == -1) {
		if (errno == EEXIST)
			goto exists;
		if (!no_links(errno))
			goto failed;
		/* No hard links here: write the name itself, still with O_EXCL. */
		fd = openat(dirfd, p->name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1) {
			if (errno == EEXIST)
				goto exists;
			goto failed;
		}
		p->committed = 1;
		if (fill(fd, p->bytes, p->n) == -1)
			goto failed;
	}
	p->committed = 1;
	if (unlinkat(dirfd, p->tmp, 0) == -1)
		goto failed;
	p->have_tmp = 0;
	return SAVE_OK;
exists:
	fz_seterr(err, "%s: file exists (use --force)", p->path);
	return SAVE_EXISTS;
failed:
	fz_seterr(err, "%s: %s", p->path, strerror(errno));
	return SAVE_FAILED;
}

/* Remove what this call left in dirfd: temporary files and the names it created. */
static void
rollback(int dirfd, struct pending *p, size_t np)
{
	size_t i;
	int e = errno;

	for (i = 0; i < np; i++) {
		if (p[i].committed)
			unlinkat(dirfd, p[i].name, 0);
		if (p[i].have_tmp)
			unlinkat(dirfd, p[i].tmp, 0);
		p[i].committed = p[i].have_tmp = 0;
	}
	errno = e;
}

/* Check every requested image present in imgs and name it in p; nothing is written. */
static int
gather(const struct save_bytes *imgs, unsigned kinds, const char *dir,
    const char *stem, struct pending *p, size_t *np, struct fz_err *err)
{
	size_t i;

	for (i = 0; i < NKINDS; i++) {
		if (!(kinds & kinds_tab[i].bit))
			continue;
		/* The back of a card has no portrait: no bytes, no image. */
		if (imgs == NULL || imgs[i].data == NULL || imgs[i].len == 0)
			continue;
		p[*np].k = &kinds_tab[i];
		p[*np].bytes = imgs[i].data;
		p[*np].n = imgs[i].len;
		(*np)++;
		if (jpeg_probe(imgs[i].data, imgs[i].len, NULL, NULL) !=
		    JPEG_OK) {
			fz_seterr(err, "returned %s image is not a JPEG",
			    kinds_tab[i].key);
			return SAVE_BAD_IMAGE;
		}
		if ((p[*np - 1].name = file_name(stem, &kinds_tab[i])) == NULL ||
		    (p[*np - 1].path = path_join(dir, p[*np - 1].name)) ==
		    NULL) {
			fz_seterr(err, "out of memory");
			return SAVE_FAILED;
		}
	}
	return SAVE_OK;
}

/* Record the saved paths; on failure take back the keys set so far. */
static int
record(json_t *images_out, struct pending *p, size_t np)
{
	char *clean;
	size_t i, j;
	int rc;

	if (images_out == NULL)
		return 0;
	for (i = 0; i < np; i++) {
		/* A path from the user's file name may not be UTF-8; JSON must be. */
		if ((clean = fz_utf8_clean(p[i].path)) == NULL)
			rc = -1;
		else
			rc = json_object_set_new(images_out, p[i].k->key,
			    json_string(clean));
		free(clean);
		if (rc == -1) {
			for (j = 0; j < i; j++)
				json_object_del(images_out, p[j].k->key);
			return -1;
		}
	}
	return 0;
}

int
save_images(int dirfd, const char *dir, const char *stem,
    const struct save_bytes *imgs, unsigned kinds, int force,
    json_t *images_out, struct fz_err *err)
{
	struct pending p[NKINDS];
	size_t i, np = 0;
	int fd, rc;

	memset(p, 0, sizeof(p));
	if (!stem_ok(stem) || dir == NULL) {
		fz_seterr(err, "%s: unsafe name for saved images",
		    stem != NULL ? stem : "(null)");
		return SAVE_FAILED;
	}
	if ((rc = gather(imgs, kinds, dir, stem, p, &np, err)) != SAVE_OK)
		goto done;

	/* Write every image to a temporary file before any name appears. */
	for (i = 0; i < np; i++) {
		if ((fd = tmp_create(dirfd, p[i].tmp)) == -1) {
			fz_seterr(err, "%s: %s", dir, strerror(errno));
			rc = SAVE_FAILED;
			goto done;
		}
		p[i].have_tmp = 1;
		if (fill(fd, p[i].bytes, p[i].n) == -1) {
			fz_seterr(err, "%s: %s", p[i].path, strerror(errno));
			rc = SAVE_FAILED;
			goto done;
		}
	}
	for (i = 0; i < np; i++)
		if ((rc = commit(dirfd, &p[i], force, err)) != SAVE_OK)
			goto done;
	if (record(images_out, p, np) == -1) {
		fz_seterr(err, "out of memory");
		rc = SAVE_FAILED;
	}
done:
	if (rc != SAVE_OK)
		rollback(dirfd, p, np);
	for (i = 0; i < np; i++) {
		free(p[i].name);
		free(p[i].path);
	}
	return rc;
}
