/* The server's engine seam over any recogniser backend: one thread drives the backend, each server worker waits for its own image. */
#ifndef SRV_RECOG_H
#define SRV_RECOG_H

#include "recog.h"
#include "srv.h"
#include "util.h"

struct srv_recog;

/*
 * Put the backend rc behind the server's engine seam (srv.h). The
 * recogniser interface wants every call from one thread (recog.h), while
 * the server calls its engine from many: so one pump thread owns rc,
 * submits what the workers hand in, moves the backend along and hands
 * each result back to the worker that waits for it. rc stays the
 * caller's, and must outlive srv_recog_free. Returns NULL with err.
 */
struct srv_recog *srv_recog_new(const struct recog *rc, struct srv_engine *eng,
    struct fz_err *err);
/* Stop the pump (waiting workers get -1) and free; rc is not freed. */
void srv_recog_free(struct srv_recog *s);

/*
 * A recogniser's error code as the service's data.error_code (srv.h):
 * no card found 40007, an image that does not decode 40009, and so on.
 * Exposed for tests.
 */
int srv_recog_code(const char *code);

/*
 * Fill out (initialised by srv_result_init) from a finished recognition.
 * 0, or -1 when out of memory. Exposed for tests.
 */
int srv_recog_result(const struct recog_result *r, struct srv_result *out);

#endif
