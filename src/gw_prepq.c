/* Worker threads that decode, check and prepare images ahead of the gateway's pace. */
#include "gw_prepq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "image.h"

struct prepq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct prepq_task *todo, *todo_tail, *done, *done_tail;
	pthread_t *threads;
	unsigned nthreads;
	int stop;
	void (*wake)(void *);
	void *ctx;
};

void
prepq_run(struct prepq_task *t)
{
	memset(&t->prep, 0, sizeof(t->prep));
	t->prep.rotated_orientation = 1;
	t->rc = -1;
	t->code = "undecodable";
	/* Every call is charged: what a recogniser could not decode is
	 * refused here, whether it is sent as it is or not. */
	if (image_verify(t->data, t->len, &t->info, t->opts.max_pixels,
	    &t->err) == -1)
		return;
	t->code = "bad_jpeg";
	if (!t->verify_only) {
		struct fz_err e;

		if (prepare_image(t->data, t->len, &t->info, &t->opts,
		    &t->prep, &e) == -1) {
			fz_seterr(&t->err, "cannot prepare the image: %s", e.msg);
			return;
		}
		if (t->prep.data != NULL && digest_sha256_hex(t->prep.data,
		    t->prep.len, t->sha) == -1) {
			prepared_free(&t->prep);
			fz_seterr(&t->err, "SHA-256 failed");
			return;
		}
	}
	t->code = NULL;
	t->rc = 0;
}

static void *
worker(void *arg)
{
	struct prepq *q = arg;
	struct prepq_task *t;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->stop && q->todo == NULL)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stop)
			break;
		t = q->todo;
		if ((q->todo = t->next) == NULL)
			q->todo_tail = NULL;
		pthread_mutex_unlock(&q->mu);
		prepq_run(t);
		pthread_mutex_lock(&q->mu);
		t->next = NULL;
		if (q->done_tail != NULL)
			q->done_tail->next = t;
		else
			q->done = t;
		q->done_tail = t;
		if (q->wake != NULL)
			q->wake(q->ctx);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct prepq *
prepq_new(unsigned nthreads, void (*wake)(void *), void *ctx,
    struct fz_err *err)
{
	struct prepq *q;
	unsigned i;

	if (nthreads < 1 || nthreads > 64) {
		fz_seterr(err, "invalid number of preparation threads");
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->threads = calloc(nthreads, sizeof(*q->threads))) == NULL) {
		free(q);
		fz_seterr(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->wake = wake;
	q->ctx = ctx;
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
			fz_seterr(err, "cannot start a preparation thread");
			prepq_free(q);
			return NULL;
		}
		q->nthreads++;
	}
	return q;
}

void
prepq_push(struct prepq *q, struct prepq_task *t)
{
	t->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->todo_tail != NULL)
		q->todo_tail->next = t;
	else
		q->todo = t;
	q->todo_tail = t;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

struct prepq_task *
prepq_pop(struct prepq *q)
{
	struct prepq_task *t;

	pthread_mutex_lock(&q->mu);
	if ((t = q->done) != NULL && (q->done = t->next) == NULL)
		q->done_tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return t;
}

void
prepq_free(struct prepq *q)
{
	unsigned i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->threads);
	free(q);
}
