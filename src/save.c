/* Saving the images a recogniser returns: JPEG checks, safe all-or-nothing writes. */
#include "save.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jpeg.h"
#include "record.h"
#include "safefile.h"

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


/* One image on its way to the disk. */
struct pending {
	const struct kind *k;
	const unsigned char *bytes;
	size_t n;
	char *name;              /* STEM.KIND.jpg, relative to dirfd */
	char *path;              /* DIR/STEM.KIND.jpg, for messages and images_out */
	char tmp[SAFEFILE_TMPLEN];   /* the temporary name, relative to dirfd */
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

/* Move p's temporary file to its name, never over anything without force. */
static int
commit(int dirfd, struct pending *p, int force, struct fz_err *err)
{
	switch (safefile_commit(dirfd, p->tmp, p->name, force)) {
	case SAFEFILE_OK:
		p->have_tmp = 0;
		p->committed = 1;
		return SAVE_OK;
	case SAFEFILE_EXISTS:
		fz_seterr(err, "%s: file exists (use --force)", p->path);
		return SAVE_EXISTS;
	default:
		fz_seterr(err, "%s: %s", p->path, strerror(errno));
		return SAVE_FAILED;
	}
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

/* Images written to temporary files, waiting for their names. */
struct save_staged {
	int dirfd;
	int force;
	struct pending p[NKINDS];
	size_t np;
	json_t *images_out;
};

static void
staged_free(struct save_staged *st)
{
	size_t i;

	for (i = 0; i < st->np; i++) {
		free(st->p[i].name);
		free(st->p[i].path);
	}
	free(st);
}

int
save_stage(int dirfd, const char *dir, const char *stem,
    const struct save_bytes *imgs, unsigned kinds, int force,
    json_t *images_out, json_t *tmps_out, struct save_staged **out,
    struct fz_err *err)
{
	struct save_staged *st;
	struct pending *p;
	size_t i;
	int fd, rc;

	*out = NULL;
	if (!stem_ok(stem) || dir == NULL) {
		fz_seterr(err, "%s: unsafe name for saved images",
		    stem != NULL ? stem : "(null)");
		return SAVE_FAILED;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		fz_seterr(err, "out of memory");
		return SAVE_FAILED;
	}
	st->dirfd = dirfd;
	st->force = force;
	st->images_out = images_out;
	p = st->p;
	if ((rc = gather(imgs, kinds, dir, stem, p, &st->np, err)) != SAVE_OK)
		goto fail;

	/* Write every image to a temporary file before any name appears. */
	for (i = 0; i < st->np; i++) {
		if ((fd = safefile_tmp(dirfd, p[i].tmp)) == -1) {
			fz_seterr(err, "%s: %s", dir, strerror(errno));
			rc = SAVE_FAILED;
			goto fail;
		}
		p[i].have_tmp = 1;
		if (safefile_fill(fd, p[i].bytes, p[i].n) == -1) {
			fz_seterr(err, "%s: %s", p[i].path, strerror(errno));
			rc = SAVE_FAILED;
			goto fail;
		}
		if (tmps_out != NULL && json_object_set_new(tmps_out,
		    p[i].k->key, json_string(p[i].tmp)) == -1) {
			fz_seterr(err, "out of memory");
			rc = SAVE_FAILED;
			goto fail;
		}
	}
	/* The paths are the record's before the names exist, so that a
	 * journal can hold the record while the files are still temporary. */
	if (record(images_out, p, st->np) == -1) {
		fz_seterr(err, "out of memory");
		rc = SAVE_FAILED;
		goto fail;
	}
	*out = st;
	return SAVE_OK;
fail:
	rollback(dirfd, p, st->np);
	staged_free(st);
	return rc;
}

int
save_finish(struct save_staged *st, struct fz_err *err)
{
	size_t i;
	int rc = SAVE_OK;

	for (i = 0; i < st->np; i++)
		if ((rc = commit(st->dirfd, &st->p[i], st->force, err)) !=
		    SAVE_OK)
			break;
	if (rc != SAVE_OK) {
		rollback(st->dirfd, st->p, st->np);
		if (st->images_out != NULL)
			for (i = 0; i < st->np; i++)
				json_object_del(st->images_out,
				    st->p[i].k->key);
	}
	staged_free(st);
	return rc;
}

void
save_discard(struct save_staged *st)
{
	if (st == NULL)
		return;
	rollback(st->dirfd, st->p, st->np);
	staged_free(st);
}

int
save_images(int dirfd, const char *dir, const char *stem,
    const struct save_bytes *imgs, unsigned kinds, int force,
    json_t *images_out, struct fz_err *err)
{
	struct save_staged *st;
	int rc;

	rc = save_stage(dirfd, dir, stem, imgs, kinds, force, images_out,
	    NULL, &st, err);
	return rc != SAVE_OK ? rc : save_finish(st, err);
}

/* A name safefile_tmp made: nothing else is ever moved or removed. */
static int
tmp_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 10 && n < SAFEFILE_TMPLEN && strncmp(s, ".faiz-", 6) == 0 &&
	    strcmp(s + n - 4, ".tmp") == 0 && strchr(s, '/') == NULL;
}

int
save_adopt(int dirfd, const char *dir, const char *stem, const json_t *tmps,
    int force, struct fz_err *err)
{
	struct stat a, b;
	const char *tmp;
	char *name, *path;
	size_t i;
	int rc = SAVE_OK;

	if (!stem_ok(stem) || dir == NULL) {
		fz_seterr(err, "%s: unsafe name for saved images",
		    stem != NULL ? stem : "(null)");
		return SAVE_FAILED;
	}
	for (i = 0; i < NKINDS && rc == SAVE_OK; i++) {
		tmp = json_string_value(json_object_get(tmps, kinds_tab[i].key));
		/* Gone: the earlier run gave it its name already. */
		if (!tmp_ok(tmp) || fstatat(dirfd, tmp, &a,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(a.st_mode))
			continue;
		if ((name = file_name(stem, &kinds_tab[i])) == NULL ||
		    (path = path_join(dir, name)) == NULL) {
			free(name);
			fz_seterr(err, "out of memory");
			return SAVE_FAILED;
		}
		/* Linked but not yet unlinked when the run was killed. */
		if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			unlinkat(dirfd, tmp, 0);
		} else {
			switch (safefile_commit(dirfd, tmp, name, force)) {
			case SAFEFILE_OK:
				break;
			case SAFEFILE_EXISTS:
				fz_seterr(err, "%s: file exists (use --force)",
				    path);
				rc = SAVE_EXISTS;
				break;
			default:
				fz_seterr(err, "%s: %s", path, strerror(errno));
				rc = SAVE_FAILED;
			}
		}
		free(name);
		free(path);
	}
	return rc;
}
