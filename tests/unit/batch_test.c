/* Unit tests for batch.c: a fake recogniser drives the run loop through order, --unordered, stops, skips and interrupts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "batch.h"
#include "digest.h"
#include "record.h"
#include "unit.h"

#define NMAX 64

/*
 * The fake: it holds up to cap images; each finishes delay[id] waits after
 * it was submitted, recognised (a name "N") unless fail[id]. A result for
 * stop_id stops the run; at wait number interrupt_at the run is
 * interrupted. It records what the run loop asked of it.
 */
struct fake {
	size_t cap;
	int delay[NMAX];
	int fail[NMAX];
	int cards[NMAX];    /* more than 1: that many cards, chained (the local engine) */
	long stop_id;
	int interrupt_at;
	volatile sig_atomic_t *interrupted;
	/* Like the gateway: cancel keeps what is held, a second signal aborts it. */
	int keep_in_flight;
	int abort_at;
	volatile sig_atomic_t *aborting;
	/* state */
	size_t held[NMAX], nheld;
	int left[NMAX];
	struct recog_result *done[NMAX];
	size_t ndone, head;
	int ticks, cancelled;
	enum recog_stop stop;
	char why[64];
	/* what happened */
	size_t submitted[NMAX], nsubmitted;
	size_t finished[NMAX], nfinished;
	size_t most_ahead;  /* largest id submitted while id 0 was held */
	int submit_when_full;
};

static void
f_limits(void *be, struct input_limits *lim)
{
	(void)be;
	lim->max_bytes = 1 << 20;
	lim->max_side = 0;
	lim->recogniser = 0;
}

static size_t
f_capacity(void *be)
{
	struct fake *f = be;

	return f->cap - f->nheld;
}

static size_t
f_pending(void *be)
{
	struct fake *f = be;

	return f->nheld + (f->ndone - f->head);
}

static int
f_submit(void *be, const struct recog_job *job, struct fz_err *err)
{
	struct fake *f = be;
	size_t i;

	(void)err;
	if (f->nheld == f->cap)
		f->submit_when_full = 1;
	f->submitted[f->nsubmitted++] = job->id;
	for (i = 0; i < f->nheld; i++)
		if (f->held[i] == 0 && job->id > f->most_ahead)
			f->most_ahead = job->id;
	f->left[f->nheld] = f->delay[job->id];
	f->held[f->nheld++] = job->id;
	return 0;
}

static void
f_done(struct fake *f, size_t k, int aborted)
{
	struct recog_result *r = recog_result_new(f->held[k]);
	char name[16];

	if (r == NULL)
		abort();
	snprintf(name, sizeof(name), "%zu", f->held[k]);
	r->aborted = aborted;
	if (f->fail[f->held[k]])
		recog_result_error(r, "40007", "fake: no card");
	else
		recog_text_set(&r->text[0], name, strlen(name));
	if (f->cards[f->held[k]] > 1 && !aborted) {
		struct recog_result *c = r;
		int i;

		for (i = 1; i <= f->cards[f->held[k]]; i++) {
			if (i > 1) {
				if ((c->next_card = recog_result_new(r->id)) == NULL)
					abort();
				c = c->next_card;
				recog_text_set(&c->text[0], name, strlen(name));
			}
			c->card = i;
			c->ncards = f->cards[f->held[k]];
		}
	}
	f->finished[f->nfinished++] = f->held[k];
	if ((long)f->held[k] == f->stop_id && f->stop == RECOG_GO) {
		f->stop = RECOG_STOP_AUTH;
		snprintf(f->why, sizeof(f->why), "fake refused");
	}
	f->done[f->ndone++] = r;
	f->held[k] = f->held[f->nheld - 1];
	f->left[k] = f->left[f->nheld - 1];
	f->nheld--;
}

static void
f_wait(void *be, double timeout)
{
	struct fake *f = be;
	size_t k;

	(void)timeout;
	if (++f->ticks == f->interrupt_at)
		*f->interrupted = 1;
	if (f->ticks == f->abort_at)
		*f->aborting = 1;
	for (k = 0; k < f->nheld;) {
		if (f->cancelled && (!f->keep_in_flight || *f->aborting))
			f_done(f, k, 1);
		else if (--f->left[k] <= 0)
			f_done(f, k, 0);
		else
			k++;
	}
}

static int
f_next(void *be, struct recog_result **out)
{
	struct fake *f = be;

	if (f->head == f->ndone)
		return 0;
	*out = f->done[f->head++];
	return 1;
}

static enum recog_stop
f_stop_reason(void *be, const char **why)
{
	struct fake *f = be;

	*why = f->why;
	return f->stop;
}

static void
f_stop(void *be, enum recog_stop reason, const char *why)
{
	struct fake *f = be;

	if (f->stop != RECOG_GO)
		return;
	f->stop = reason;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static void
f_cancel(void *be)
{
	((struct fake *)be)->cancelled = 1;
}

static void
f_stats(void *be, struct recog_stats *s)
{
	(void)be;
	memset(s, 0, sizeof(*s));
}

static void
f_free(void *be)
{
	(void)be;
}

static const struct recog_ops fake_ops = {
	"fake", f_limits, f_capacity, f_pending, f_submit, f_wait, f_next,
	f_stop_reason, f_stop, f_cancel, f_stats, f_free, NULL
};

/* What main would see: the records in the order they came out. */
struct seen {
	size_t n;
	char *file[NMAX];
	char *code[NMAX];
	int card[NMAX];     /* card.index, 0 without one */
	int fail_output;
	char errors[4096];
};

static int
h_emit(void *ctx, json_t *rec)
{
	struct seen *s = ctx;
	const char *code = json_string_value(json_object_get(json_object_get(
	    rec, "error"), "code"));

	if (s->fail_output)
		return -1;
	s->file[s->n] = fz_strdup(record_str(rec, "file"));
	s->code[s->n] = fz_strdup(code ? code : "");
	s->card[s->n] = (int)json_integer_value(json_object_get(
	    json_object_get(rec, "card"), "index"));
	s->n++;
	return 0;
}

static void
h_error(void *ctx, const char *msg)
{
	struct seen *s = ctx;
	size_t n = strlen(s->errors);

	snprintf(s->errors + n, sizeof(s->errors) - n, "%s\n", msg);
}

static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->file[i]);
		free(s->code[i]);
	}
	memset(s, 0, sizeof(*s));
}

static char dir[64];
static struct gather in;

/* n inputs dir/NN.jpg, each a tiny JPEG with its own bytes; bad[i] makes one not a JPEG. */
static void
make_inputs(size_t n, const int *bad)
{
	unsigned char b[] = { 0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00,
		0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xff, 0xda, 0x00,
		0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xff, 0xd9 };
	char path[128];
	FILE *fp;
	size_t i;

	gather_free(&in);
	memset(&in, 0, sizeof(in));
	if ((in.v = calloc(n, sizeof(*in.v))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%02zu.jpg", dir, i);
		b[25] = (unsigned char)i; /* entropy data: distinct digests */
		if ((fp = fopen(path, "wb")) == NULL)
			abort();
		if (bad != NULL && bad[i])
			fputs("not a jpeg", fp);
		else
			fwrite(b, 1, sizeof(b), fp);
		fclose(fp);
		in.v[i].path = fz_strdup(path);
	}
	in.n = in.cap = n;
}

static volatile sig_atomic_t intr, intr2;

static enum batch_end
run(struct fake *f, struct seen *s, int unordered, const struct resume *res,
    struct batch_stats *st)
{
	struct batch_conf c;
	struct batch_hooks h;
	struct recog rc = { &fake_ops, f };
	struct fz_err err;

	memset(&c, 0, sizeof(c));
	c.unordered = unordered;
	c.resume = res;
	c.interrupted = &intr;
	c.aborting = &intr2;
	f->interrupted = &intr;
	f->aborting = &intr2;
	intr = intr2 = 0;
	h.ctx = s;
	h.emit = h_emit;
	h.error = h_error;
	h.progress = NULL;
	return batch_run(&c, &in, &rc, &h, st, &err);
}

static struct fake *
fake_new(size_t cap)
{
	struct fake *f = calloc(1, sizeof(*f));
	size_t i;

	if (f == NULL)
		abort();
	f->cap = cap;
	f->stop_id = -1;
	for (i = 0; i < NMAX; i++)
		f->delay[i] = 1;
	return f;
}

/* Record i came from input want. */
static int
is_input(const struct seen *s, size_t i, size_t want)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%02zu.jpg", dir, want);
	return i < s->n && strcmp(s->file[i], path) == 0;
}

static void
test_order(void)
{
	static const int delays[6] = { 3, 1, 2, 1, 3, 1 };
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	size_t i, same;

	/* Finishing out of order, the records still come in input order. */
	make_inputs(6, NULL);
	memset(&s, 0, sizeof(s));
	f = fake_new(3);
	memcpy(f->delay, delays, sizeof(delays));
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_OK);
	CHECK(s.n == 6);
	for (i = 0; i < 6; i++)
		CHECK(is_input(&s, i, i) && strcmp(s.code[i], "") == 0);
	CHECK(f->nfinished == 6 && f->finished[0] != 0);
	CHECK(f->submit_when_full == 0);
	CHECK(st.recognised == 6 && st.done == 6 && st.total == 6);
	free(f);
	seen_free(&s);

	/* --unordered: as they finish. */
	memset(&s, 0, sizeof(s));
	f = fake_new(3);
	memcpy(f->delay, delays, sizeof(delays));
	CHECK(run(f, &s, 1, NULL, &st) == BATCH_OK);
	CHECK(s.n == 6);
	for (i = same = 0; i < 6; i++) {
		CHECK(is_input(&s, i, f->finished[i]));
		same += f->finished[i] == i;
	}
	CHECK(same < 6);
	free(f);
	seen_free(&s);
}

/* One slow image: the others may run ahead only as far as the window. */
static void
test_window(void)
{
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	size_t i;

	make_inputs(60, NULL);
	memset(&s, 0, sizeof(s));
	f = fake_new(2);
	f->delay[0] = 500;
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_OK);
	CHECK(s.n == 60);
	for (i = 0; i < 60; i++)
		CHECK(is_input(&s, i, i));
	/* The window is 4 x capacity + 16 = 24 inputs from the first waiting. */
	CHECK(f->most_ahead == 23);
	free(f);
	seen_free(&s);

	memset(&s, 0, sizeof(s));
	f = fake_new(2);
	f->delay[0] = 500;
	CHECK(run(f, &s, 1, NULL, &st) == BATCH_OK);
	CHECK(s.n == 60 && is_input(&s, 59, 0));
	CHECK(f->most_ahead == 59);
	free(f);
	seen_free(&s);
}

/* A stop with an image in flight: it finishes, the rest is not sent. */
static void
test_stop(void)
{
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	size_t i;

	make_inputs(8, NULL);
	memset(&s, 0, sizeof(s));
	f = fake_new(2);
	f->delay[0] = 3;
	f->delay[1] = 1;
	f->fail[1] = 1;
	f->stop_id = 1;
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_STOPPED);
	CHECK(st.stop == RECOG_STOP_AUTH);
	CHECK(s.n == 8);
	CHECK(is_input(&s, 0, 0) && strcmp(s.code[0], "") == 0);
	CHECK(strcmp(s.code[1], "40007") == 0);
	for (i = 2; i < 8; i++)
		CHECK(strcmp(s.code[i], "not_sent") == 0);
	CHECK(f->nsubmitted == 2);
	CHECK(st.recognised == 1 && st.failed == 1 && st.not_sent == 6);
	CHECK(strstr(s.errors, "stopped: fake refused\n") != NULL);
	CHECK(strstr(s.errors, "6 of 8 images not sent\n") != NULL);
	CHECK(strstr(s.errors, "01.jpg: fake: no card\n") != NULL);
	free(f);
	seen_free(&s);

	/* Output that cannot be written stops the run too. */
	memset(&s, 0, sizeof(s));
	s.fail_output = 1;
	f = fake_new(2);
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_STOPPED);
	CHECK(st.stop == RECOG_STOP_OUTPUT && st.output_failed);
	CHECK(f->nsubmitted < 8);
	CHECK(strstr(s.errors, "stopped:") == NULL);
	free(f);
	seen_free(&s);
}

/* --resume skips and local failures never reach the recogniser. */
static void
test_skips(void)
{
	static const int bad[5] = { 0, 0, 0, 1, 0 };
	struct batch_stats st;
	struct resume res;
	struct strlist w = { 0 };
	struct fz_err err;
	struct seen s;
	struct fake *f;
	char path[128], sha[65];
	unsigned char b[64];
	size_t n;
	FILE *fp;

	make_inputs(5, bad);
	/* An earlier run recognised input 2. */
	snprintf(path, sizeof(path), "%s/02.jpg", dir);
	fp = fopen(path, "rb");
	n = fp ? fread(b, 1, sizeof(b), fp) : 0;
	if (fp)
		fclose(fp);
	CHECK(digest_sha256_hex(b, n, sha) == 0);
	snprintf(path, sizeof(path), "%s/resume.ndjson", dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fprintf(fp, "{\"file\":\"x\",\"sha256\":\"%s\",\"error\":null}\n", sha);
	fclose(fp);
	memset(&res, 0, sizeof(res));
	CHECK(resume_load(path, &res, &w, &err) == 0);
	strlist_free(&w);

	memset(&s, 0, sizeof(s));
	f = fake_new(2);
	CHECK(run(f, &s, 0, &res, &st) == BATCH_SOME_FAILED);
	CHECK(s.n == 4);
	CHECK(is_input(&s, 0, 0) && is_input(&s, 1, 1) && is_input(&s, 2, 3) &&
	    is_input(&s, 3, 4));
	CHECK(strcmp(s.code[2], "not_jpeg") == 0);
	CHECK(f->nsubmitted == 3);
	CHECK(f->submitted[0] == 0 && f->submitted[1] == 1 &&
	    f->submitted[2] == 4);
	CHECK(st.skipped == 1 && st.failed == 1 && st.recognised == 3 &&
	    st.done == 5);
	free(f);
	seen_free(&s);
	resume_free(&res);
}

/* ^C: what finished is kept, what is under way is dropped, nothing more taken. */
static void
test_interrupt(void)
{
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	size_t i;

	make_inputs(10, NULL);
	memset(&s, 0, sizeof(s));
	f = fake_new(3);
	for (i = 0; i < 10; i++)
		f->delay[i] = 5;
	f->delay[0] = 1;
	f->interrupt_at = 2;
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_INTERRUPTED);
	CHECK(f->cancelled == 1);
	CHECK(s.n == 1 && is_input(&s, 0, 0));
	CHECK(f->nsubmitted == 4 && f->nheld == 0);
	/* Every image is counted: 1 recognised, 3 dropped by the fake, 6 never taken. */
	CHECK(st.recognised == 1 && st.not_sent == 9 && st.abandoned == 0);
	CHECK(strstr(s.errors, "9 of 10 images not sent\n") != NULL);
	free(f);
	seen_free(&s);
}

/* The first signal: what is held finishes and keeps its record; the second abandons it. */
static void
test_interrupt_twice(void)
{
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	size_t i;

	make_inputs(10, NULL);
	memset(&s, 0, sizeof(s));
	f = fake_new(3);
	f->keep_in_flight = 1;
	for (i = 0; i < 10; i++)
		f->delay[i] = 4;
	f->interrupt_at = 2;
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_INTERRUPTED);
	CHECK(f->nsubmitted == 3 && f->nheld == 0);
	CHECK(s.n == 3 && is_input(&s, 0, 0) && is_input(&s, 2, 2));
	CHECK(st.recognised == 3 && st.not_sent == 7 && st.abandoned == 0);
	CHECK(strstr(s.errors, "interrupted: waiting for 3 answers in flight "
	    "(interrupt again to abandon them)\n") != NULL);
	free(f);
	seen_free(&s);

	memset(&s, 0, sizeof(s));
	f = fake_new(3);
	f->keep_in_flight = 1;
	for (i = 0; i < 10; i++)
		f->delay[i] = 6;
	f->delay[0] = 3;
	f->interrupt_at = 2;
	f->abort_at = 4;
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_INTERRUPTED);
	CHECK(f->nheld == 0);
	CHECK(s.n == 1 && is_input(&s, 0, 0));
	CHECK(st.recognised == 1 && st.abandoned == 2 && st.not_sent == 7);
	CHECK(strstr(s.errors, "2 answers abandoned in flight") != NULL);
	free(f);
	seen_free(&s);
}

/* The same content twice (a copy, a name given twice): sent once, a record for each. */
static void
test_duplicates(void)
{
	static const int fails[6] = { 0, 1, 0, 0, 0, 0 };
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	char cmd[512];

	make_inputs(6, NULL);
	/* 03 is a copy of 00, 04 a copy of 01 (which fails), 05 names 00 again. */
	snprintf(cmd, sizeof(cmd), "cp %s/00.jpg %s/03.jpg && cp %s/01.jpg "
	    "%s/04.jpg", dir, dir, dir, dir);
	CHECK(system(cmd) == 0);
	free(in.v[5].path);
	in.v[5].path = fz_strdup(in.v[0].path);
	memset(&s, 0, sizeof(s));
	f = fake_new(2);
	memcpy(f->fail, fails, sizeof(fails));
	f->delay[0] = 5;
	CHECK(run(f, &s, 0, NULL, &st) == BATCH_SOME_FAILED);
	CHECK(f->nsubmitted == 3);
	CHECK(f->submitted[0] == 0 && f->submitted[1] == 1 &&
	    f->submitted[2] == 2);
	CHECK(s.n == 6);
	CHECK(is_input(&s, 3, 3) && strcmp(s.code[3], "") == 0);
	CHECK(is_input(&s, 4, 4) && strcmp(s.code[4], "40007") == 0);
	CHECK(is_input(&s, 5, 0) && strcmp(s.code[5], "") == 0);
	CHECK(st.recognised == 2 && st.failed == 1 && st.duplicates == 3);
	/* The failure is told once, for the input that was sent. */
	CHECK(strstr(s.errors, "04.jpg") == NULL);
	free(f);
	seen_free(&s);
}

/* An image of several cards: one record per card, together, in input order. */
static void
test_cards(void)
{
	static const int ncards[5] = { 0, 3, 0, 2, 0 };
	static const int delays[5] = { 3, 1, 2, 1, 2 };
	static const size_t want_in[8] = { 0, 1, 1, 1, 2, 3, 3, 4 };
	static const int want_card[8] = { 0, 1, 2, 3, 0, 1, 2, 0 };
	struct batch_stats st;
	struct seen s;
	struct fake *f;
	size_t i;
	int u, ok;

	make_inputs(5, NULL);
	for (u = 0; u <= 1; u++) {
		memset(&s, 0, sizeof(s));
		f = fake_new(3);
		for (i = 0; i < 5; i++) {
			f->cards[i] = ncards[i];
			f->delay[i] = delays[i];
		}
		CHECK(run(f, &s, u, NULL, &st) == BATCH_OK);
		CHECK(s.n == 8);
		CHECK(st.total == 5 && st.done == 5);
		CHECK(st.recognised == 8 && st.failed == 0);
		CHECK(st.multicard == 2 && st.cards == 5);
		/* In order, or in completion order: a file's cards stay together. */
		for (i = 0, ok = 1; i < 8; i++)
			if (!u && (!is_input(&s, i, want_in[i]) ||
			    s.card[i] != want_card[i]))
				ok = 0;
		CHECK(ok);
		for (i = 0, ok = 1; i + 1 < 8; i++)
			if (s.card[i] >= 1 && s.card[i + 1] != 0 &&
			    s.card[i + 1] != 1 && s.card[i + 1] != s.card[i] + 1)
				ok = 0;
		CHECK(ok);
		seen_free(&s);
		free(f);
	}
}

int
main(void)
{
	char tmpl[] = "/tmp/batch_test.XXXXXX";
	char cmd[128];

	if (mkdtemp(tmpl) == NULL)
		return 2;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	test_order();
	test_window();
	test_stop();
	test_skips();
	test_interrupt();
	test_interrupt_twice();
	test_duplicates();
	test_cards();
	gather_free(&in);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	return unit_done("batch");
}
