/* Duplicates within a run: a hash table from content SHA-256 to the input sent for it and its record. */
#include "dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

json_t *
dedup_record(const struct dedup_entry *e, const char *file)
{
	json_t *rec, *of;

	if (e->rec == NULL || (rec = json_deep_copy(e->rec)) == NULL)
		return NULL;
	of = json_object_get(e->rec, "file");
	json_object_del(rec, "raw");
	if (json_object_set_new(rec, "file", json_string(file)) == -1 ||
	    json_object_set(rec, "duplicate_of", of ? of : json_null()) == -1) {
		json_decref(rec);
		return NULL;
	}
	return rec;
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
