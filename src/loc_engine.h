/* The local recogniser backend: a thread pool that finds, rectifies and reads cards on this machine. */
#ifndef LOC_ENGINE_H
#define LOC_ENGINE_H

#include "recog.h"
#include "util.h"

/* Error code of an image in which no card was found (loc_read.h has the others). */
#define LOC_ENGINE_NO_CARD "no_card"

struct loc_engine_settings {
	int jobs;                   /* worker threads; 0: the number of online CPUs */
	int save_images;            /* the cropped card, portrait and number strip (JPEG) */
	const char *models_dir;     /* --models (models_find); NULL: the default places */
};

/*
 * A local backend in *out (ops and state), the models loaded once and
 * shared by its s->jobs workers; 0, or -1 with err (models not found or
 * broken, out of memory). A file with several cards comes back as one
 * result per card, chained through next_card (recog.h).
 */
int loc_engine_new(const struct loc_engine_settings *s, struct recog *out,
    struct fz_err *err);

#endif
