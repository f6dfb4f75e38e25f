/* A bounded queue in front of N engine worker threads, with a time limit per request. */
#ifndef SRV_QUEUE_H
#define SRV_QUEUE_H

#include <stddef.h>

#include "srv.h"
#include "util.h"

struct srv_queue;
struct srv_job;

enum srv_queue_status {
	SRV_QUEUE_OK = 0,
	SRV_QUEUE_FULL,     /* capacity requests already wait: answer overload now */
	SRV_QUEUE_TIMEOUT,  /* no result within the time limit: answer 50004 */
	SRV_QUEUE_FAILED    /* the engine returned -1, or the queue is stopping */
};

/*
 * Start `workers` threads (1..256) calling eng->recognise, worker i with
 * worker_index i. capacity is how many requests may wait for a free worker
 * (0..100000; 0 = only when a worker is idle).
 */
struct srv_queue *srv_queue_new(const struct srv_engine *eng, int workers,
    int capacity, struct fz_err *err);

/*
 * Queue image[0..len) (malloc'd; the queue takes it over on SRV_QUEUE_OK,
 * the caller keeps it otherwise). Never blocks.
 */
enum srv_queue_status srv_queue_submit(struct srv_queue *q,
    unsigned char *image, size_t len, struct srv_job **job);

/*
 * Wait at most timeout seconds from now for the job's result, then give
 * the job back (it must not be used again). SRV_QUEUE_OK: *out holds the
 * engine's result (free it with srv_result_free). SRV_QUEUE_TIMEOUT: the
 * job is dropped from the queue, or its result thrown away when the
 * engine finishes. SRV_QUEUE_FAILED: err says why.
 */
enum srv_queue_status srv_queue_wait(struct srv_queue *q, struct srv_job *job,
    double timeout, struct srv_result *out, struct fz_err *err);

/* Requests waiting for a worker, and requests a worker is on. */
void srv_queue_depth(struct srv_queue *q, long *waiting, long *running);
/* Images the engine has finished since start (whatever the outcome). */
unsigned long long srv_queue_done(struct srv_queue *q);

/* Let the workers finish what is queued, join them, free. */
void srv_queue_free(struct srv_queue *q);

#endif
