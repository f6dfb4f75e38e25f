/* The --text-lines run: each input image through the local OCR, one ndjson object per text line. */
#ifndef TEXTRUN_H
#define TEXTRUN_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "gather.h"
#include "textlines.h"
#include "util.h"

struct textrun_conf {
	const char *models_dir;   /* --models DIR, or NULL to search */
	int verbose;              /* -v: a note per image */
	volatile sig_atomic_t *interrupted; /* set by a signal: stop between images */
};

/* main's printers: error for a file that failed, note for -v. */
struct textrun_hooks {
	void *ctx;
	void (*error)(void *ctx, const char *text);
	void (*note)(void *ctx, const char *text);
};

struct textrun_stats {
	size_t images;  /* images read, with or without text */
	size_t failed;  /* inputs that could not be read */
	size_t lines;   /* lines written */
	double elapsed; /* seconds, from the models' load to the end */
};

enum textrun_end {
	TEXTRUN_OK,          /* every image read */
	TEXTRUN_SOME_FAILED, /* at least one input could not be read */
	TEXTRUN_NO_MODELS,   /* the models are missing or altered: err says where */
	TEXTRUN_STOPPED,     /* writing to fp failed, or memory ran out: err says why */
	TEXTRUN_INTERRUPTED
};

/*
 * The JSON object of line l (0-based index idx) of the picture file:
 * {"file", "line" (idx + 1), "box" (TL, TR, BR, BL as whole pixels),
 * "text", "confidence" (rounded to 3 decimals)}. NULL when out of memory.
 */
json_t *textrun_line_json(const char *file, size_t idx,
    const struct textline *l);

/*
 * Writes the text lines of every item of in to fp, in input order, flushed
 * after each image. A file that cannot be read, or whose picture cannot be
 * decoded, is reported through hooks->error as "FILE: reason" and the run
 * goes on. Loads the models first (textlines_open with conf->models_dir).
 */
enum textrun_end textrun_run(const struct textrun_conf *conf,
    const struct gather *in, FILE *fp, const struct textrun_hooks *hooks,
    struct textrun_stats *stats, struct fz_err *err);

#endif
