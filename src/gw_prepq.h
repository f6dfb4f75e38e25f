/* Image preparation on worker threads, so decoding and shrinking never hold up the gateway's event loop. */
#ifndef GW_PREPQ_H
#define GW_PREPQ_H

#include <stddef.h>

#include "gw_prepare.h"
#include "jpeg.h"
#include "util.h"

/* One image to make sendable; owned by the caller, kept alive until it comes back. */
struct prepq_task {
	/* In: the image (borrowed), what jpeg_probe said, the limits. */
	const unsigned char *data;
	size_t len;
	struct jpeg_info info;
	struct prepare_opts opts;
	int verify_only;      /* --no-resize: decode to check, send as it is */
	void *user;
	/* Out: rc 0 with prep (prep.data NULL: send the original) and, when
	 * prep.data is set, its SHA-256; or rc -1 with code and err. */
	int rc;
	const char *code;     /* "undecodable" or "bad_jpeg" */
	struct fz_err err;
	struct prepared prep;
	char sha[65];
	struct prepq_task *next;  /* the queue's own link */
};

struct prepq;

/*
 * nthreads workers (1..64). wake(ctx) is called from a worker after each
 * task is done, to wake the event loop; it must be safe to call from
 * another thread. NULL with err when threads cannot be started.
 */
struct prepq *prepq_new(unsigned nthreads, void (*wake)(void *), void *ctx,
    struct fz_err *err);
/* Queue t for a worker. */
void prepq_push(struct prepq *q, struct prepq_task *t);
/* A finished task, or NULL when none is finished yet; never blocks. */
struct prepq_task *prepq_pop(struct prepq *q);
/* The work for one task, as a worker does it (also usable without threads). */
void prepq_run(struct prepq_task *t);
/* Stops the workers after the task each is on; tasks not started are dropped. */
void prepq_free(struct prepq *q);

#endif
