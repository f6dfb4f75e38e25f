/* Duplicates within a run: a hash table from content SHA-256 to the input sent for it and its record. */
#include "dedup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* The first 16 hex digits of a SHA-256 are as good a hash as any. */
static size_t
hash(const char *sha256)
{
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < 16 && sha256[i] != '\0'; i++)
		h = h << 4 | (uint64_t)(sha256[i] <= '9' ? sha256[i] - '0' :
		    (sha256[i] | 0x20) - 'a' + 10) % 16;
	return (size_t)(h ^ h >> 29);
}

long
dedup_find(const struct dedup *d, const char *sha256)
{
	size_t i, k;

	if (d->nslot == 0)
		return -1;
	for (i = hash(sha256) & (d->nslot - 1); (k = d->slot[i]) != 0;
	    i = (i + 1) & (d->nslot - 1))
		if (strcmp(d->v[k - 1].sha256, sha256) == 0)
			return (long)(k - 1);
	return -1;
}

static void
place(struct dedup *d, size_t k)
{
	size_t i = hash(d->v[k].sha256) & (d->nslot - 1);

	while (d->slot[i] != 0)
		i = (i + 1) & (d->nslot - 1);
	d->slot[i] = k + 1;
}

static int
grow(struct dedup *d)
{
	struct dedup_entry *v;
	size_t *slot, n, k;

	if (d->n == d->cap) {
		n = d->cap ? d->cap * 2 : 64;
		if (n > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(d->v, n * sizeof(*v))) == NULL)
			return -1;
		d->v = v;
		d->cap = n;
	}
	if (d->n * 2 < d->nslot)
		return 0;
	n = d->nslot ? d->nslot * 2 : 128;
	if (n > SIZE_MAX / sizeof(*slot) ||
	    (slot = calloc(n, sizeof(*slot))) == NULL)
		return -1;
	free(d->slot);
	d->slot = slot;
	d->nslot = n;
	for (k = 0; k < d->n; k++)
		place(d, k);
	return 0;
}

long
dedup_add(struct dedup *d, const char *sha256, size_t first)
{
	struct dedup_entry *e;

	if (strlen(sha256) != 64 || grow(d) == -1)
		return -1;
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->sha256, sha256, 65);
	e->first = first;
	place(d, d->n);
	return (long)d->n++;
}

/* One record of the first, copied for file, naming the first's file. */
static json_t *
copy_one(const json_t *first, const char *file)
{
	json_t *rec, *of;

	if ((rec = json_deep_copy(first)) == NULL)
		return NULL;
	of = json_object_get(first, "file");
	json_object_del(rec, "raw");
	if (json_object_set_new(rec, "file", json_string(file)) == -1 ||
	    json_object_set(rec, "duplicate_of", of ? of : json_null()) == -1) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

json_t *
dedup_record(const struct dedup_entry *e, const char *file)
{
	json_t *all;
	size_t i;

	if (e->rec == NULL)
		return NULL;
	if (!json_is_array(e->rec))
		return copy_one(e->rec, file);
	/* A file of several cards: a copy of each card's record. */
	if ((all = json_array()) == NULL)
		return NULL;
	for (i = 0; i < json_array_size(e->rec); i++)
		if (json_array_append_new(all, copy_one(json_array_get(e->rec,
		    i), file)) == -1) {
			json_decref(all);
			return NULL;
		}
	return all;
}

/* All of a regular file, bounded. 0, or -1 with errno. */
static int
slurp(int fd, unsigned char **out, size_t *len)
{
	struct stat st;
	unsigned char *b;
	size_t got = 0;
	ssize_t n;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > DEDUP_MAX_IMAGE) {
		errno = EFBIG;
		return -1;
	}
	if ((b = malloc((size_t)st.st_size)) == NULL)
		return -1;
	while (got < (size_t)st.st_size) {
		n = read(fd, b + got, (size_t)st.st_size - got);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			free(b);
			return -1;
		}
		got += (size_t)n;
	}
	*out = b;
	*len = got;
	return 0;
}

int
dedup_read_saved(int dirfd, const char *stem, unsigned kinds,
    unsigned char *data[3], size_t len[3], struct fz_err *err)
{
	static const char *const names[3] = { "cropped", "portrait",
		"id_number" };
	char name[1024];
	size_t i;
	int fd;

	for (i = 0; i < 3; i++) {
		data[i] = NULL;
		len[i] = 0;
	}
	for (i = 0; i < 3; i++) {
		if (!(kinds & (1u << i)))
			continue;
		snprintf(name, sizeof(name), "%s.%s.jpg", stem, names[i]);
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 && errno == ENOENT)
			continue;   /* a back has no portrait */
		if (fd == -1 || slurp(fd, &data[i], &len[i]) == -1) {
			fz_seterr(err, "%s: %s", name, strerror(errno));
			if (fd != -1)
				close(fd);
			while (i-- > 0)
				free(data[i]);
			return -1;
		}
		close(fd);
	}
	return 0;
}

void
dedup_free(struct dedup *d)
{
	size_t k;

	for (k = 0; k < d->n; k++)
		json_decref(d->v[k].rec);
	free(d->v);
	free(d->slot);
	memset(d, 0, sizeof(*d));
}
