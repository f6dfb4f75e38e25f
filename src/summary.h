/* --summary FILE: the final counts of a run as one JSON object, put in place atomically. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stddef.h>

#include "util.h"

/* What the summary line says, as numbers. */
struct summary_counts {
	size_t total;
	size_t recognised;
	size_t failed;
	size_t skipped;
	size_t duplicates;
	size_t not_sent;
	size_t planned;          /* --dry-run: would be sent */
	size_t multicard_images; /* images that held several cards */
	size_t multicard_cards;  /* the cards in them (one record each) */
	size_t refused;
	size_t possibly_charged; /* sent, no answer kept: may have been paid for */
	size_t points_charged;
	double elapsed;          /* seconds */
	int exit_status;
	int interrupted;
};

/*
 * Refuse early (before any upload) a path that cannot be written: its
 * directory is missing or not writable, or it names something other than
 * a regular file. 0, or -1 with err.
 */
int summary_check(const char *path, struct fz_err *err);
/*
 * Write the counts to path: a temporary file beside it, then renamed over
 * it, so a reader sees the old summary or the new one, never half of one.
 * 0, or -1 with err.
 */
int summary_write(const char *path, const struct summary_counts *c,
    struct fz_err *err);

#endif
