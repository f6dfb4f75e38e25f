/* The local recogniser backend: a thread pool that finds, rectifies and reads cards on this machine. */
#ifndef LOC_ENGINE_H
#define LOC_ENGINE_H

#include "recog.h"
#include "util.h"

/* Error code of an image in which no card was found. */
#define LOC_ENGINE_NO_CARD "no_card"

struct loc_engine_settings {
	int jobs;                   /* worker threads; 0: the number of online CPUs */
	int save_images;            /* encode the cropped card (JPEG) into the result */
};

/* A local backend in *out (ops and state); 0, or -1 with err. */
int loc_engine_new(const struct loc_engine_settings *s, struct recog *out,
    struct fz_err *err);

#endif
