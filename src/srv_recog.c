/* The server's engine seam over any recogniser backend: one thread drives the backend, each server worker waits for its own image. */
#include "srv_recog.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "jpeg.h"

/*
 * How long the pump lets the backend work before it looks for newly handed
 * in images again. A thread-pool backend returns from wait() as soon as a
 * result is ready, so this bounds only the delay of a new image arriving
 * while others are under way.
 */
#define PUMP_SLICE 0.005

enum req_state { REQ_QUEUED, REQ_SUBMITTED, REQ_DONE, REQ_FAILED, REQ_TIMEOUT };

/* How often a waiting worker looks at its request's cancel flag. */
#define CANCEL_POLL_NS 20000000L

/* One image handed in by a server worker, living on that worker's stack. */
struct req {
	size_t id;
	struct image img;          /* data borrowed from the worker */
	enum req_state state;
	struct recog_result *res;  /* REQ_DONE: owned by the worker now */
	char why[200];             /* REQ_FAILED: the reason, no personal data */
	const atomic_int *cancel;  /* the server's: its waiter gave up */
	int give_up;               /* REQ_SUBMITTED: the pump should abandon it */
	pthread_cond_t cv;
	struct req *next;
};

struct srv_recog {
	const struct recog *rc;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* the pump: new images, or stop */
	pthread_t pump;
	int started, stop;
	size_t next_id;
	struct req *queued;        /* handed in, not yet submitted (FIFO) */
	struct req **queued_tail;
	struct req *submitted;     /* with the backend */
};

int
srv_recog_code(const char *code)
{
	static const struct {
		const char *code;
		int srv;
	} map[] = {
		{ "no_card", SRV_E_NOT_RECOGNISED },
		{ "not_jpeg", SRV_E_NOT_IMAGE },
		{ "empty", SRV_E_NO_BODY },
		{ "bad_jpeg", SRV_E_CORRUPT },
		{ "bad_image", SRV_E_CORRUPT },
		{ "truncated", SRV_E_CORRUPT },
		{ "too_large", SRV_E_SIZE },
		{ "image_size", SRV_E_SIZE },
		{ "timeout", SRV_E_TIMEOUT },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(code, map[i].code) == 0)
			return map[i].srv;
	/* Whatever else an engine refuses, it did not recognise a card. */
	return SRV_E_NOT_RECOGNISED;
}

static int
copy_text(char **dst, const struct recog_text *t)
{
	if (t->s == NULL)
		return 0;
	if ((*dst = malloc(t->len + 1)) == NULL)
		return -1;
	memcpy(*dst, t->s, t->len);
	(*dst)[t->len] = '\0';
	return 0;
}

static int
copy_image(struct srv_image *dst, const unsigned char *d, size_t n)
{
	if (d == NULL || n == 0)
		return 0;
	if ((dst->data = malloc(n)) == NULL)
		return -1;
	memcpy(dst->data, d, n);
	dst->len = n;
	return 0;
}

int
srv_recog_result(const struct recog_result *r, struct srv_result *out)
{
	char **text[RECOG_NTEXT] = { &out->name, &out->sex, &out->people,
		&out->birthday, &out->address, &out->id_number,
		&out->issue_authority, &out->validity };
	bool *flag[RECOG_NFLAGS] = { &out->head_covered, &out->head_blurred,
		&out->border_covered, &out->gray_image };
	size_t i;
	int bad = 0;

	if (r->code[0] != '\0') {
		out->error_code = srv_recog_code(r->code);
		return 0;
	}
	out->error_code = SRV_OK;
	if (r->side != NULL && strcmp(r->side, "back") == 0)
		out->type = SRV_CARD_BACK;
	else if (r->side != NULL && strcmp(r->side, "temporary") == 0)
		out->type = SRV_CARD_TEMPORARY;
	else
		out->type = SRV_CARD_FRONT;
	for (i = 0; i < RECOG_NTEXT; i++)
		bad |= copy_text(text[i], &r->text[i]);
	for (i = 0; i < RECOG_NFLAGS; i++)
		*flag[i] = r->flags[i] == 1;
	bad |= copy_image(&out->cropped_image, r->images[RECOG_IMG_CROPPED].data,
	    r->images[RECOG_IMG_CROPPED].len);
	bad |= copy_image(&out->head_portrait, r->images[RECOG_IMG_PORTRAIT].data,
	    r->images[RECOG_IMG_PORTRAIT].len);
	bad |= copy_image(&out->id_number_image,
	    r->images[RECOG_IMG_ID_NUMBER].data,
	    r->images[RECOG_IMG_ID_NUMBER].len);
	out->time_preprocess_ms = r->has_preprocess ? (long)r->preprocess : 0;
	out->time_recognize_ms = r->has_recognize ? (long)r->recognize : 0;
	return bad ? -1 : 0;
}

/* Under mu: fail every image handed in and not yet with the backend. */
static void
fail_queued(struct srv_recog *s, const char *why)
{
	struct req *q;

	while ((q = s->queued) != NULL) {
		s->queued = q->next;
		q->state = REQ_FAILED;
		snprintf(q->why, sizeof(q->why), "%s", why);
		pthread_cond_signal(&q->cv);
	}
	s->queued_tail = &s->queued;
}

/* Under mu: hand r to the worker waiting for its id, or drop it. */
static void
deliver(struct srv_recog *s, struct recog_result *r)
{
	struct req **pp, *q;

	for (pp = &s->submitted; (q = *pp) != NULL; pp = &q->next) {
		if (q->id != r->id)
			continue;
		*pp = q->next;
		if (r->aborted) {
			q->state = REQ_FAILED;
			snprintf(q->why, sizeof(q->why), "recognition aborted");
			recog_result_free(r);
		} else {
			q->state = REQ_DONE;
			q->res = r;
		}
		pthread_cond_signal(&q->cv);
		return;
	}
	/*
	 * No one waits: a further card of an image already answered (the
	 * service's answer holds one card, the first in reading order).
	 */
	recog_result_free(r);
}

/*
 * Under mu, released while the backend works: let it work for up to
 * PUMP_SLICE seconds and deliver what it finished.
 */
static void
step(struct srv_recog *s)
{
	const struct recog_ops *ops = s->rc->ops;
	struct recog_result *r;

	pthread_mutex_unlock(&s->mu);
	ops->wait(s->rc->be, PUMP_SLICE);
	pthread_mutex_lock(&s->mu);
	while (ops->next(s->rc->be, &r) == 1)
		deliver(s, r);
}

static void *
pump(void *arg)
{
	struct srv_recog *s = arg;
	const struct recog_ops *ops = s->rc->ops;
	void *be = s->rc->be;
	struct recog_job job;
	struct fz_err err;
	struct req *q;
	const char *why;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		/*
		 * A backend that must stop (its engine failed) finishes what
		 * it holds; what it was not given fails now.
		 */
		if (ops->stop_reason(be, &why) != RECOG_GO)
			fail_queued(s, why != NULL ? why : "the engine stopped");
		/* Hand in what the backend has room for. */
		while ((q = s->queued) != NULL && ops->capacity(be) > 0) {
			s->queued = q->next;
			if (s->queued == NULL)
				s->queued_tail = &s->queued;
			q->next = s->submitted;
			s->submitted = q;
			q->state = REQ_SUBMITTED;
			job.id = q->id;
			job.path = "upload";
			job.img = &q->img;
			if (ops->submit(be, &job, &err) == -1) {
				s->submitted = q->next;
				q->state = REQ_FAILED;
				snprintf(q->why, sizeof(q->why), "%.190s", err.msg);
				pthread_cond_signal(&q->cv);
			}
		}
		/* Images whose requests timed out: the backend stops them. */
		for (q = s->submitted; q != NULL; q = q->next)
			if (q->give_up == 1 && ops->abandon != NULL) {
				ops->abandon(be, q->id);
				q->give_up = 2;
			}
		if (ops->pending(be) == 0)
			pthread_cond_wait(&s->cv, &s->mu);
		else
			step(s);
	}
	/*
	 * Stopping. An image with the backend is borrowed from its worker's
	 * request, so the backend must hand every one back (aborted) before
	 * its worker may return.
	 */
	fail_queued(s, "the server is stopping");
	ops->cancel(be);
	while (ops->pending(be) > 0)
		step(s);
	while ((q = s->submitted) != NULL) {
		s->submitted = q->next;
		q->state = REQ_FAILED;
		snprintf(q->why, sizeof(q->why), "the server is stopping");
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Under mu: take q out of the images not yet handed to the backend. */
static void
unqueue(struct srv_recog *s, struct req *q)
{
	struct req **pp;

	for (pp = &s->queued; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	s->queued_tail = &s->queued;
	while (*s->queued_tail != NULL)
		s->queued_tail = &(*s->queued_tail)->next;
}

/*
 * Under mu: wait for q's result, looking at the server's cancel flag every
 * CANCEL_POLL seconds. A request given up before the backend has it ends
 * at once (50004); one with the backend is abandoned by the pump.
 */
static void
await(struct srv_recog *s, struct req *q)
{
	struct timespec t;

	while (q->state == REQ_QUEUED || q->state == REQ_SUBMITTED) {
		if (q->cancel != NULL && atomic_load(q->cancel) && q->give_up == 0) {
			if (q->state == REQ_QUEUED) {
				unqueue(s, q);
				q->state = REQ_TIMEOUT;
				break;
			}
			q->give_up = 1;
			pthread_cond_signal(&s->cv);
		}
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += CANCEL_POLL_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&q->cv, &s->mu, &t);
	}
}

static int
recognise(void *ctx, int worker, const unsigned char *jpeg, size_t len,
    const atomic_int *cancel, struct srv_result *out, struct fz_err *err)
{
	struct srv_recog *s = ctx;
	struct req q;
	int rc;

	(void)worker; /* the backend keeps its own workspaces */
	memset(&q, 0, sizeof(q));
	q.img.data = (unsigned char *)jpeg;
	q.img.len = len;
	q.cancel = cancel;
	if (jpeg_probe(jpeg, len, &q.img.info, NULL) != JPEG_OK) {
		out->error_code = SRV_E_CORRUPT;
		return 0;
	}
	if (digest_sha256_hex(jpeg, len, q.img.sha256) == -1) {
		fz_seterr(err, "cannot hash the image");
		return -1;
	}
	pthread_cond_init(&q.cv, NULL);
	pthread_mutex_lock(&s->mu);
	if (s->stop) {
		q.state = REQ_FAILED;
		snprintf(q.why, sizeof(q.why), "the server is stopping");
	} else {
		q.id = s->next_id++;
		q.state = REQ_QUEUED;
		*s->queued_tail = &q;
		s->queued_tail = &q.next;
		pthread_cond_signal(&s->cv);
	}
	await(s, &q);
	pthread_mutex_unlock(&s->mu);
	pthread_cond_destroy(&q.cv);
	if (q.state == REQ_TIMEOUT) {
		out->error_code = SRV_E_TIMEOUT;
		return 0;
	}
	if (q.state == REQ_FAILED) {
		fz_seterr(err, "%s", q.why);
		return -1;
	}
	rc = srv_recog_result(q.res, out);
	recog_result_free(q.res);
	if (rc == -1)
		fz_seterr(err, "%s", strerror(ENOMEM));
	return rc;
}

struct srv_recog *
srv_recog_new(const struct recog *rc, struct srv_engine *eng,
    struct fz_err *err)
{
	struct srv_recog *s;
	int e;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fz_seterr(err, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->rc = rc;
	s->queued_tail = &s->queued;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if ((e = pthread_create(&s->pump, NULL, pump, s)) != 0) {
		fz_seterr(err, "cannot start the engine thread: %s",
		    strerror(e));
		srv_recog_free(s);
		return NULL;
	}
	s->started = 1;
	eng->recognise = recognise;
	eng->ctx = s;
	return s;
}

void
srv_recog_free(struct srv_recog *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->pump, NULL);
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
