/* The crash journal beside an output file: every paid record, synced to disk before anything else is done with it. */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <jansson.h>

#include "resume.h"
#include "util.h"

/*
 * DIR/.NAME.faiz-journal for the output DIR/NAME: mode 0600, one JSON
 * record a line, plus {"faiz_tmp": NAME} lines naming the temporary
 * files a run made beside it. A run that ends normally removes it; one
 * that was killed leaves it, and the same command run again takes its
 * records instead of paying for them again.
 */
struct journal {
	int fd;                 /* -1: none */
	int dirfd;
	char *path;             /* for messages */
	char *name;             /* last part, in dirfd */
	struct resume prev;     /* what earlier, killed runs journaled */
};

/*
 * Open (creating) the journal of the output target and lock it, so that a
 * second run on the same output is refused. The records of earlier runs
 * go to j->prev; the temporary files they name are removed. Returns 0,
 * or -1 with err.
 */
int journal_open(struct journal *j, const char *target,
    struct strlist *warnings, struct fz_err *err);
/* Note a temporary file beside the target, for a rerun to remove. */
int journal_note_tmp(struct journal *j, const char *tmpname,
    struct fz_err *err);
/* Append rec as one line and sync it to disk. 0, or -1 with err. */
int journal_append(struct journal *j, const json_t *rec, struct fz_err *err);
/* The output is safely in place: remove the journal and close it. */
int journal_done(struct journal *j, struct fz_err *err);
/* Close, keeping the file (the output could not be finished). */
void journal_close(struct journal *j);

#endif
