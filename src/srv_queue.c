/* The work queue: a FIFO of uploads under one mutex, N workers calling the engine, waiters with deadlines. */
#include "srv_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct srv_job {
	struct srv_job *next;
	enum job_state state;
	int abandoned; /* the waiter timed out: the worker frees the job */
	atomic_int cancel; /* the same, seen by the engine while it works */
	unsigned char *image;
	size_t len;
	int rc;
	struct srv_result res;
	struct fz_err err;
	pthread_cond_t done;
};

struct worker {
	struct srv_queue *q;
	int index;
	pthread_t tid;
};

struct srv_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	struct srv_job *head, *tail;
	long waiting, running, capacity;
	unsigned long long finished;
	int stopping;
	struct srv_engine eng;
	struct worker *w;
	int nworkers, started;
	pthread_condattr_t cattr; /* CLOCK_MONOTONIC for the per-job waits */
};

static void
job_free(struct srv_job *j)
{
	free(j->image);
	srv_result_free(&j->res);
	pthread_cond_destroy(&j->done);
	free(j);
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct srv_queue *q = w->q;
	struct srv_job *j;
	struct srv_result res;
	struct fz_err err;
	int rc;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->nonempty, &q->lock);
		if (q->head == NULL)
			break; /* stopping, and nothing left */
		j = q->head;
		if ((q->head = j->next) == NULL)
			q->tail = NULL;
		q->waiting--;
		q->running++;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&q->lock);

		srv_result_init(&res);
		err.msg[0] = '\0';
		rc = q->eng.recognise(q->eng.ctx, w->index, j->image, j->len,
		    &j->cancel, &res, &err);

		pthread_mutex_lock(&q->lock);
		q->running--;
		q->finished++;
		if (j->abandoned) {
			srv_result_free(&res);
			job_free(j);
			continue;
		}
		j->rc = rc;
		j->res = res;
		j->err = err;
		j->state = JOB_DONE;
		pthread_cond_signal(&j->done);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct srv_queue *
srv_queue_new(const struct srv_engine *eng, int workers, int capacity,
    struct fz_err *err)
{
	struct srv_queue *q;
	int i;

	if (workers < 1 || workers > 256 || capacity < 0 || capacity > 100000) {
		fz_seterr(err, "workers must be 1-256 and the queue 0-100000");
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->w = calloc((size_t)workers, sizeof(*q->w))) == NULL) {
		free(q);
		fz_seterr(err, "out of memory");
		return NULL;
	}
	q->eng = *eng;
	q->capacity = capacity;
	q->nworkers = workers;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	pthread_condattr_init(&q->cattr);
	pthread_condattr_setclock(&q->cattr, CLOCK_MONOTONIC);
	for (i = 0; i < workers; i++) {
		q->w[i].q = q;
		q->w[i].index = i;
		if (pthread_create(&q->w[i].tid, NULL, work, &q->w[i]) != 0) {
			fz_seterr(err, "cannot start worker thread %d", i);
			srv_queue_free(q);
			return NULL;
		}
		q->started++;
	}
	return q;
}

enum srv_queue_status
srv_queue_submit(struct srv_queue *q, unsigned char *image, size_t len,
    struct srv_job **jobp)
{
	struct srv_job *j;

	pthread_mutex_lock(&q->lock);
	/*
	 * Full when every worker has a job and capacity more wait. Counted as
	 * a total so that a job not yet picked up still holds its worker.
	 */
	if (q->stopping || q->waiting + q->running >= q->nworkers + q->capacity) {
		pthread_mutex_unlock(&q->lock);
		return q->stopping ? SRV_QUEUE_FAILED : SRV_QUEUE_FULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		pthread_mutex_unlock(&q->lock);
		return SRV_QUEUE_FAILED;
	}
	pthread_cond_init(&j->done, &q->cattr);
	srv_result_init(&j->res);
	j->image = image;
	j->len = len;
	j->state = JOB_QUEUED;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->waiting++;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	*jobp = j;
	return SRV_QUEUE_OK;
}

/* Take a queued job out of the list. Lock held. */
static void
unlink_job(struct srv_queue *q, struct srv_job *j)
{
	struct srv_job **pp = &q->head, *prev = NULL;

	while (*pp != NULL && *pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return;
	*pp = j->next;
	if (q->tail == j)
		q->tail = prev;
	q->waiting--;
}

enum srv_queue_status
srv_queue_wait(struct srv_queue *q, struct srv_job *j, double timeout,
    struct srv_result *out, struct fz_err *err)
{
	struct timespec dl;
	enum srv_queue_status st;
	double whole;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	if (timeout < 0)
		timeout = 0;
	whole = (double)(long long)timeout;
	dl.tv_sec += (time_t)whole;
	dl.tv_nsec += (long)((timeout - whole) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	while (j->state != JOB_DONE)
		if (pthread_cond_timedwait(&j->done, &q->lock, &dl) == ETIMEDOUT)
			break;
	if (j->state == JOB_DONE) {
		st = j->rc == 0 ? SRV_QUEUE_OK : SRV_QUEUE_FAILED;
		if (st == SRV_QUEUE_OK) {
			*out = j->res;
			srv_result_init(&j->res);
		} else
			fz_seterr(err, "%s", j->err.msg[0] ? j->err.msg :
			    "the engine failed");
		pthread_mutex_unlock(&q->lock);
		job_free(j);
		return st;
	}
	if (j->state == JOB_QUEUED) {
		unlink_job(q, j);
		pthread_mutex_unlock(&q->lock);
		job_free(j);
	} else {
		/*
		 * The engine stops at its next stage; the worker frees the
		 * job when it returns.
		 */
		j->abandoned = 1;
		atomic_store(&j->cancel, 1);
		pthread_mutex_unlock(&q->lock);
	}
	return SRV_QUEUE_TIMEOUT;
}

void
srv_queue_depth(struct srv_queue *q, long *waiting, long *running)
{
	pthread_mutex_lock(&q->lock);
	*waiting = q->waiting;
	*running = q->running;
	pthread_mutex_unlock(&q->lock);
}

unsigned long long
srv_queue_done(struct srv_queue *q)
{
	unsigned long long n;

	pthread_mutex_lock(&q->lock);
	n = q->finished;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void
srv_queue_free(struct srv_queue *q)
{
	int i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->started; i++)
		pthread_join(q->w[i].tid, NULL);
	/* Jobs still here were never waited for (their waiter is gone): drop them. */
	while (q->head != NULL) {
		struct srv_job *j = q->head;
		q->head = j->next;
		job_free(j);
	}
	pthread_condattr_destroy(&q->cattr);
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
	free(q->w);
	free(q);
}
