/* The run loop: inputs checked locally and handed to a recogniser, its results recorded in order, images saved. */
#ifndef BATCH_H
#define BATCH_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "gather.h"
#include "journal.h"
#include "recog.h"
#include "resume.h"
#include "util.h"

/* What the run loop itself is asked to do; the recogniser has its own settings. */
struct batch_conf {
	int unordered;            /* emit in completion order */
	const struct resume *resume; /* images to skip, or NULL */
	int resume_emit;          /* write --resume's records out instead of skipping them */
	int retry_failed;         /* send --resume's charged failures again */
	struct resume *recovered; /* a killed run's journal: taken, never paid again */
	struct journal *journal;  /* every paid record goes here first, or NULL */
	const char *save_dir;     /* NULL: do not save images */
	unsigned images;          /* enum image_kind bits */
	int force;
	/* The first signal: send nothing more, wait for the answers in flight. */
	volatile sig_atomic_t *interrupted;
	/* The second: abandon them (the recogniser sees it too); may be NULL. */
	volatile sig_atomic_t *aborting;
};

/*
 * total and done count inputs; the outcomes count records, and an image
 * in which the local engine found several cards gives one record per card
 * (multicard such images, holding cards cards in all).
 */
struct batch_stats {
	size_t total;
	size_t done;       /* inputs with their records out (or skipped) so far */
	size_t multicard;  /* images that held several cards */
	size_t cards;      /* the cards in them, one record each */
	size_t recognised;
	size_t failed;
	size_t not_sent;
	size_t skipped;    /* already recognised (--resume) */
	size_t duplicates; /* the same content as an earlier input: not sent again */
	size_t abandoned;  /* in flight at a second signal: possibly charged, no record */
	size_t recovered;  /* records taken from a killed run's journal */
	size_t planned;    /* --dry-run: images that would be sent */
	int output_failed; /* writing a record failed (closed pipe, full disk) */
	double elapsed;
	enum recog_stop stop;       /* why the run stopped early, RECOG_GO if it did not */
	struct recog_stats backend; /* the recogniser's own counts */
};

/* How the run loop talks to main, which alone prints. */
struct batch_hooks {
	void *ctx;
	int (*emit)(void *ctx, json_t *rec);          /* 0, or -1 when output failed */
	void (*error)(void *ctx, const char *msg);    /* always shown */
	void (*progress)(void *ctx, const struct batch_stats *s); /* or NULL */
};

/* How a run ended; main turns it into an exit status. */
enum batch_end {
	BATCH_OK,           /* every record without an error */
	BATCH_SOME_FAILED,  /* some records carry an error, or output failed */
	BATCH_STOPPED,      /* the run stopped early: stats->stop says why */
	BATCH_INTERRUPTED,  /* SIGINT, SIGTERM or SIGHUP */
	BATCH_BAD_SAVE_DIR, /* --save-images DIR cannot be used: err says why */
	BATCH_NO_MEMORY     /* could not start */
};

/*
 * Run the whole batch over the gathered inputs with the recogniser rc
 * (which stays the caller's to free). err is set only when the run could
 * not start.
 */
enum batch_end batch_run(const struct batch_conf *conf,
    const struct gather *in, const struct recog *rc,
    const struct batch_hooks *hooks, struct batch_stats *stats,
    struct fz_err *err);

#endif
