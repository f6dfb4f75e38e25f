/* Duplicates within a run: which earlier input had the same content (SHA-256), and the record it got. */
#ifndef DEDUP_H
#define DEDUP_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

/*
 * One content seen in the run: the input that was sent for it, and once
 * that input's record is complete, a copy of the record for the inputs
 * with the same content that come later.
 */
struct dedup_entry {
	char sha256[65];
	size_t first;      /* the run loop's index of the input that was sent */
	json_t *rec;       /* its completed record (an array of them for a
	                      file of several cards), or NULL while under way */
	int aborted;       /* it ended without a record (a second signal) */
};

struct dedup {
	struct dedup_entry *v;  /* in the order first seen; indices stay valid */
	size_t n, cap;
	size_t *slot;           /* open addressing: index + 1, 0 for empty */
	size_t nslot;           /* a power of two, at least twice n */
};

/* The entry index for a lowercase hex SHA-256, or -1 when not seen. */
long dedup_find(const struct dedup *d, const char *sha256);
/* Remember that input first was sent for sha256: its entry index, or -1 when out of memory. */
long dedup_add(struct dedup *d, const char *sha256, size_t first);
/*
 * The record for a later input with the same content as entry e: a copy
 * of the first's record under file, with "duplicate_of" naming the first's
 * file. "raw" is left out: it is the service's answer to the other upload.
 * For a first of several cards, an array of such copies, one per card.
 * NULL when out of memory.
 */
json_t *dedup_record(const struct dedup_entry *e, const char *file);
/* Largest saved image read back for a duplicate. */
#define DEDUP_MAX_IMAGE (64u << 20)

/*
 * The images saved for the first of a content, read back from dirfd so a
 * duplicate gets its own copies: for each kind bit (cropped, portrait,
 * id_number, as enum image_kind) whose file <stem>.<kind>.jpg exists,
 * data[i] and len[i] (malloc'd; NULL, 0 when absent). Links are never
 * followed. 0, or -1 with err (nothing left allocated).
 */
int dedup_read_saved(int dirfd, const char *stem, unsigned kinds,
    unsigned char *data[3], size_t len[3], struct fz_err *err);
void dedup_free(struct dedup *d);

#endif
