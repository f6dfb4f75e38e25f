/*
 * The run loop, the same for every recogniser: it takes inputs in order,
 * reads and checks each locally, skips what --resume has, hands the rest
 * to the recogniser while it has room, saves the images it returns, and
 * hands records to main in input order through a window bounded by what
 * the recogniser holds. It knows nothing of how images are recognised.
 */
#include "batch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup.h"
#include "input.h"
#include "record.h"
#include "save.h"
#include "stems.h"

#define PROGRESS_EVERY 0.25   /* seconds between progress updates */
#define WAIT_MAX 0.2          /* seconds per wait: progress and ^C stay prompt */
#define DRAIN_WAIT 0.05       /* seconds per wait while ^C drains */

/* An image the recogniser holds: its record and the bytes it borrows. */
struct held {
	int used;
	size_t id;
	json_t *rec;
	struct image img;
};

struct batch {
	const struct batch_conf *conf;
	const struct batch_hooks *hooks;
	const struct gather *in;
	const struct recog *rc;
	struct batch_stats *stats;
	struct input_limits lim;
	struct held **held;
	size_t nheld;
	double last_progress;
	double t0;                /* monotonic start of the run */
	int dirfd;                /* --save-images directory, or -1 */
	char **stems;             /* saved-image stems, unique in the run */
	/* Records waiting for those before them: a ring of window slots. */
	json_t **ring;
	unsigned char *ring_set;  /* 1 record, 2 skipped */
	size_t window;
	size_t next_input;
	size_t next_emit;
	/* Contents sent so far, and later inputs waiting for their first's record. */
	struct dedup dups;
	struct waiting {
		size_t idx;
		size_t entry;
		json_t *rec;      /* the input's own record: file, sha256 */
	} *waiting;
	size_t nwaiting, waiting_cap;
	size_t dup_failed;        /* duplicates whose images could not be copied */
};

static void
say(struct batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct batch *b, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->hooks->error(b->hooks->ctx, buf);
}

static int
interrupted(const struct batch *b)
{
	return b->conf->interrupted != NULL && *b->conf->interrupted;
}

/* A second signal: what is in flight is being abandoned. */
static int
aborting(const struct batch *b)
{
	return b->conf->aborting != NULL && *b->conf->aborting;
}

static enum recog_stop
stopped(const struct batch *b, const char **why)
{
	return b->rc->ops->stop_reason(b->rc->be, why);
}

/* --- records and their order ------------------------------------------- */

/*
 * What an input ends with, called "recs" below: its record, or for a file
 * that held several cards (the local engine) an array of one record per
 * card in reading order. Everything per input (its slot in the window,
 * its skip, its duplicates) stays one; everything per record (counts,
 * output, saved images, the journal) goes card by card.
 */
static size_t
recs_n(const json_t *recs)
{
	return json_is_array(recs) ? json_array_size(recs) : 1;
}

static json_t *
recs_get(const json_t *recs, size_t i)
{
	return json_is_array(recs) ? json_array_get(recs, i) : (json_t *)recs;
}

static const char *
error_code_of(const json_t *rec)
{
	return json_string_value(json_object_get(json_object_get(rec, "error"),
	    "code"));
}

static void
tally_one(struct batch *b, const json_t *rec)
{
	const char *code = error_code_of(rec);

	/* A duplicate cost nothing of its own; not sent is still to do. */
	if (json_object_get(rec, "duplicate_of") != NULL &&
	    (code == NULL || strcmp(code, "not_sent") != 0))
		b->stats->duplicates++;
	else if (code == NULL && json_is_true(json_object_get(rec, "dry_run")))
		b->stats->planned++;
	else if (code == NULL)
		b->stats->recognised++;
	else if (strcmp(code, "not_sent") == 0)
		b->stats->not_sent++;
	else
		b->stats->failed++;
}

/* Each record counts once; an image of several cards is counted apart too. */
static void
tally(struct batch *b, const json_t *recs)
{
	size_t i, n = recs_n(recs);

	for (i = 0; i < n; i++)
		tally_one(b, recs_get(recs, i));
	if (n > 1) {
		b->stats->multicard++;
		b->stats->cards += n;
	}
}

static void
emit_now(struct batch *b, json_t *recs)
{
	size_t i, n = recs_n(recs);

	b->stats->done++;
	for (i = 0; i < n && !b->stats->output_failed; i++) {
		if (b->hooks->emit(b->hooks->ctx, recs_get(recs, i)) != -1)
			continue;
		b->stats->output_failed = 1;
		/* Records that cannot be written must not cost more: start
		 * nothing new (| head -1, a full disk). main has said why, or
		 * stayed quiet for a reader that went away. */
		b->rc->ops->stop(b->rc->be, RECOG_STOP_OUTPUT,
		    "the records cannot be written");
	}
	json_decref(recs);
}

/* The saved-image stem of a record of input idx (malloc'd), or NULL. */
static char *
card_stem(const struct batch *b, size_t idx, const json_t *rec)
{
	int k, n;

	record_card(rec, &k, &n);
	return stems_card(b->stems[idx], k, n);
}

/* Hand over every record whose turn has come. */
static void
flush_ring(struct batch *b)
{
	size_t slot;

	while (b->next_emit < b->next_input) {
		slot = b->next_emit % b->window;
		if (b->ring_set[slot] == 0)
			return;
		if (b->ring_set[slot] == 1)
			emit_now(b, b->ring[slot]);
		else
			b->stats->done++;
		b->ring[slot] = NULL;
		b->ring_set[slot] = 0;
		b->next_emit++;
	}
}

/* Print a record now or when its turn comes. */
static void
place(struct batch *b, size_t idx, json_t *rec)
{
	if (b->conf->unordered) {
		emit_now(b, rec);
		return;
	}
	b->ring[idx % b->window] = rec;
	b->ring_set[idx % b->window] = 1;
	flush_ring(b);
}

/* An input's records are complete: count them, and print them now or when their turn comes. */
static void
complete(struct batch *b, size_t idx, json_t *recs)
{
	const json_t *rec;
	const char *code, *msg;
	size_t i, n = recs_n(recs);

	tally(b, recs);
	for (i = 0; i < n; i++) {
		rec = recs_get(recs, i);
		code = error_code_of(rec);
		/* A duplicate's failure was told for its first already. */
		if (code == NULL || strcmp(code, "not_sent") == 0 ||
		    json_object_get(rec, "duplicate_of") != NULL)
			continue;
		msg = json_string_value(json_object_get(json_object_get(rec,
		    "error"), "message"));
		if (n > 1)
			say(b, "%s: card %zu of %zu: %s", b->in->v[idx].path,
			    i + 1, n, msg ? msg : code);
		else
			say(b, "%s: %s", b->in->v[idx].path, msg ? msg : code);
	}
	place(b, idx, recs);
}

/* An input that ends without a record and is not a skip: count it done. */
static void
no_record(struct batch *b, size_t idx)
{
	if (b->conf->unordered) {
		b->stats->done++;
		return;
	}
	b->ring_set[idx % b->window] = 2;
	flush_ring(b);
}

static void
skip(struct batch *b, size_t idx)
{
	b->stats->skipped++;
	if (b->conf->unordered) {
		b->stats->done++;
		return;
	}
	b->ring_set[idx % b->window] = 2;
	flush_ring(b);
}

/* --- the same content twice ------------------------------------------------ */

/* The entry whose first input is idx, or -1. */
static long
first_entry(const struct batch *b, size_t idx, const json_t *rec)
{
	const char *sha = record_str(rec, "sha256");
	long e = sha ? dedup_find(&b->dups, sha) : -1;

	return e >= 0 && b->dups.v[e].first == idx ? e : -1;
}

/* A duplicate's copies of the images saved under stem from, saved under stem to. */
static void
dup_save_card(struct batch *b, size_t idx, const char *from, const char *to,
    json_t *rec)
{
	static const char *const kinds[RECOG_NIMAGES] = { "cropped",
		"portrait", "id_number" };
	struct save_bytes imgs[RECOG_NIMAGES];
	unsigned char *data[RECOG_NIMAGES];
	size_t len[RECOG_NIMAGES], i;
	unsigned saved = 0;
	json_t *images = json_object_get(rec, "images");
	struct fz_err e;
	int rc;

	for (i = 0; i < RECOG_NIMAGES; i++)
		if (json_object_get(images, kinds[i]) != NULL)
			saved |= 1u << i;
	/* The copy names the first's files: this record lists its own. */
	json_object_clear(images);
	if (saved == 0)
		return;
	if (dedup_read_saved(b->dirfd, from, saved, data, len,
	    &e) == -1) {
		record_set_error(rec, "save_failed", "%s/%s", b->conf->save_dir,
		    e.msg);
		say(b, "%s: %s/%s", b->in->v[idx].path, b->conf->save_dir, e.msg);
		b->dup_failed++;
		return;
	}
	for (i = 0; i < RECOG_NIMAGES; i++) {
		imgs[i].data = data[i];
		imgs[i].len = len[i];
	}
	rc = save_images(b->dirfd, b->conf->save_dir, to, imgs,
	    saved, b->conf->force, images, &e);
	for (i = 0; i < RECOG_NIMAGES; i++)
		free(data[i]);
	if (rc == SAVE_OK)
		return;
	record_set_error(rec, rc == SAVE_BAD_IMAGE ? "bad_image" :
	    rc == SAVE_EXISTS ? "exists" : "save_failed", "%s", e.msg);
	/* Its own failure, not its first's: told, and it fails the run. */
	say(b, "%s: %s", b->in->v[idx].path, e.msg);
	b->dup_failed++;
}

/*
 * --save-images: a duplicate gets copies of the images saved for its
 * first, under its own stem, as if they had come back for it; rec is one
 * of its records, whose card names the stems of both.
 */
static void
dup_save(struct batch *b, size_t idx, size_t first, json_t *rec)
{
	char *from = card_stem(b, first, rec), *to = card_stem(b, idx, rec);

	if (from == NULL || to == NULL) {
		record_set_error(rec, "save_failed", "out of memory");
		b->dup_failed++;
	} else {
		dup_save_card(b, idx, from, to, rec);
	}
	free(from);
	free(to);
}

/* A later input with the same content as entry e: its record now. */
static void
dup_complete(struct batch *b, size_t idx, json_t *own, size_t e)
{
	json_t *rec;
	size_t i;

	rec = dedup_record(&b->dups.v[e], record_str(own, "file"));
	if (rec == NULL) {
		record_set_error(own, "not_sent", "not sent: out of memory");
		complete(b, idx, own);
		return;
	}
	json_decref(own);
	for (i = 0; i < recs_n(rec); i++)
		if (b->stems != NULL && error_code_of(recs_get(rec, i)) == NULL)
			dup_save(b, idx, b->dups.v[e].first, recs_get(rec, i));
	complete(b, idx, rec);
}

/* The first of entry e has its record (or none): those waiting get theirs. */
static void
dup_release(struct batch *b, size_t e)
{
	size_t i = 0;

	while (i < b->nwaiting) {
		struct waiting w = b->waiting[i];
		if (w.entry != e) {
			i++;
			continue;
		}
		b->waiting[i] = b->waiting[--b->nwaiting];
		if (b->dups.v[e].aborted) {
			/* Never sent itself: to do again, like its first. */
			json_decref(w.rec);
			b->stats->not_sent++;
			no_record(b, w.idx);
		} else {
			dup_complete(b, w.idx, w.rec, e);
		}
	}
}

/* Input idx has the same content as entry e's first: never sent again. */
static void
dup_take(struct batch *b, size_t idx, json_t *rec, size_t e)
{
	struct waiting *v;
	size_t n;

	if (b->dups.v[e].rec != NULL) {
		dup_complete(b, idx, rec, e);
		return;
	}
	if (b->dups.v[e].aborted) {
		json_decref(rec);
		b->stats->not_sent++;
		no_record(b, idx);
		return;
	}
	if (b->nwaiting == b->waiting_cap) {
		n = b->waiting_cap ? b->waiting_cap * 2 : 16;
		if ((v = realloc(b->waiting, n * sizeof(*v))) == NULL) {
			record_set_error(rec, "not_sent", "not sent: out of "
			    "memory");
			complete(b, idx, rec);
			return;
		}
		b->waiting = v;
		b->waiting_cap = n;
	}
	b->waiting[b->nwaiting].idx = idx;
	b->waiting[b->nwaiting].entry = e;
	b->waiting[b->nwaiting].rec = rec;
	b->nwaiting++;
}

/* Keep a copy of a first's record for the duplicates still to come. */
static void
dup_remember(struct batch *b, size_t e, const json_t *rec)
{
	json_t *copy = json_deep_copy(rec);
	size_t i;

	/* The raw answer can be large, and is the first upload's alone. */
	for (i = 0; copy != NULL && i < recs_n(copy); i++)
		json_object_del(recs_get(copy, i), "raw");
	b->dups.v[e].rec = copy;
	if (copy == NULL)
		b->dups.v[e].aborted = 1;
}

/* --- images the recogniser holds ------------------------------------------ */

/*
 * A free entry. Entries are allocated one by one and never move: the
 * recogniser borrows a pointer to the image inside.
 */
static struct held *
held_slot(struct batch *b)
{
	struct held **v;
	size_t i, n;

	for (i = 0; i < b->nheld; i++)
		if (!b->held[i]->used)
			return b->held[i];
	n = b->nheld ? b->nheld * 2 : 8;
	if ((v = realloc(b->held, n * sizeof(*v))) == NULL)
		return NULL;
	b->held = v;
	for (i = b->nheld; i < n; i++)
		if ((v[i] = calloc(1, sizeof(**v))) == NULL)
			break;
	if (i == b->nheld)
		return NULL;
	n = i;
	i = b->nheld;
	b->nheld = n;
	return b->held[i];
}

static struct held *
held_find(struct batch *b, size_t id)
{
	size_t i;

	for (i = 0; i < b->nheld; i++)
		if (b->held[i]->used && b->held[i]->id == id)
			return b->held[i];
	return NULL;
}

static void
held_release(struct held *h)
{
	json_decref(h->rec);
	input_free(&h->img);
	memset(h, 0, sizeof(*h));
}

/* The record's save failure, by save_* status. */
static void
save_failed(json_t *rec, int rc, const struct fz_err *e)
{
	record_set_error(rec, rc == SAVE_BAD_IMAGE ? "bad_image" :
	    rc == SAVE_EXISTS ? "exists" : "save_failed", "%s", e->msg);
}

/*
 * Write the returned images under the input's stem to temporary files
 * (their names in tmps); a failure is the record's. Returns what
 * save_done then moves into place, or NULL.
 */
static struct save_staged *
save_start(struct batch *b, const char *stem, json_t *rec,
    const struct recog_result *r, json_t *tmps)
{
	struct save_bytes imgs[RECOG_NIMAGES];
	json_t *images = json_object_get(rec, "images");
	struct save_staged *st;
	struct fz_err e;
	size_t i;
	int rc;

	for (i = 0; i < RECOG_NIMAGES; i++) {
		imgs[i].data = r->images[i].data;
		imgs[i].len = r->images[i].len;
	}
	rc = save_stage(b->dirfd, b->conf->save_dir, stem, imgs,
	    b->conf->images, b->conf->force, images, tmps, &st, &e);
	if (rc == SAVE_OK)
		return st;
	save_failed(rec, rc, &e);
	return NULL;
}

static void
save_done(json_t *rec, struct save_staged *st)
{
	struct fz_err e;
	int rc;

	if (st != NULL && (rc = save_finish(st, &e)) != SAVE_OK)
		save_failed(rec, rc, &e);
}

/*
 * A paid record goes to the journal, synced, before anything else is
 * done with it; with it the temporary names of its images, so that a
 * rerun after kill -9 can give them their names. A journal that cannot
 * be written stops the run: what is paid must be kept.
 */
static void
journal_record(struct batch *b, json_t *rec, json_t *tmps)
{
	struct fz_err e;
	const char *why;
	int rc;

	if (b->conf->journal == NULL)
		return;
	if (json_object_size(tmps) > 0)
		json_object_set(rec, "faiz_saving", tmps);
	rc = journal_append(b->conf->journal, rec, &e);
	json_object_del(rec, "faiz_saving");
	if (rc == -1 && stopped(b, &why) == RECOG_GO) {
		say(b, "%s", e.msg);
		b->rc->ops->stop(b->rc->be, RECOG_STOP_OUTPUT,
		    "the journal cannot be written");
	}
}

/*
 * One card's record filled from its result, its images saved under stem
 * (when saving: a NULL stem is out of memory), and journaled.
 */
static void
fill_card(struct batch *b, const char *stem, json_t *rec,
    const struct recog_result *r)
{
	struct save_staged *st = NULL;
	json_t *tmps = NULL;

	if (record_fill(rec, r) == -1) {
		record_set_error(rec, "unreadable", "out of memory");
		return;
	}
	if (r->code[0] == '\0' && b->stems != NULL && stem == NULL)
		record_set_error(rec, "save_failed", "out of memory");
	else if (r->code[0] == '\0' && b->stems != NULL &&
	    (tmps = json_object()) != NULL)
		st = save_start(b, stem, rec, r, tmps);
	journal_record(b, rec, tmps);
	save_done(rec, st);
	json_decref(tmps);
}

/*
 * The records of h's result: its own record filled, or for a file of
 * several cards (chained through next_card) an array of copies of it
 * (file, sha256, engine), one per card in reading order, each with its
 * card, its images under its card's stem (stems_card) and its journal
 * line. NULL when out of memory.
 */
static json_t *
fill_result(struct batch *b, struct held *h, const struct recog_result *r)
{
	const struct recog_result *c;
	json_t *all, *rec;
	char *stem;

	if (r->next_card == NULL) {
		fill_card(b, b->stems != NULL ? b->stems[h->id] : NULL, h->rec,
		    r);
		rec = h->rec;
		h->rec = NULL;
		return rec;
	}
	if ((all = json_array()) == NULL)
		return NULL;
	for (c = r; c != NULL; c = c->next_card) {
		if ((rec = json_deep_copy(h->rec)) == NULL ||
		    json_array_append_new(all, rec) == -1) {
			json_decref(all);
			return NULL;
		}
		stem = b->stems != NULL ? stems_card(b->stems[h->id], c->card,
		    c->ncards) : NULL;
		fill_card(b, stem, rec, c);
		free(stem);
	}
	return all;
}

/* A result came back: its records are complete (or, aborted, dropped). */
static void
finish(struct batch *b, struct recog_result *r)
{
	struct held *h = held_find(b, r->id);
	json_t *rec;
	size_t id = r->id;
	long e;

	if (h == NULL) {
		/* Not ours: a backend bug; nothing to attach it to. */
		recog_result_free(r);
		return;
	}
	e = first_entry(b, id, h->rec);
	if (r->aborted) {
		/*
		 * Interrupted: the record was not completed, so none is kept.
		 * Before a second signal only what was never sent is dropped;
		 * after it, what was in flight may have been charged.
		 */
		if (aborting(b))
			b->stats->abandoned++;
		else
			b->stats->not_sent++;
		held_release(h);
		recog_result_free(r);
		no_record(b, id);
		if (e >= 0) {
			b->dups.v[e].aborted = 1;
			dup_release(b, (size_t)e);
		}
		return;
	}
	if ((rec = fill_result(b, h, r)) == NULL) {
		rec = h->rec;
		h->rec = NULL;
		record_set_error(rec, "unreadable", "out of memory");
	}
	held_release(h);
	recog_result_free(r);
	if (e >= 0)
		dup_remember(b, (size_t)e, rec);
	complete(b, id, rec);
	if (e >= 0)
		dup_release(b, (size_t)e);
}

/* Take every result the recogniser has finished. */
static void
collect(struct batch *b)
{
	struct recog_result *r;

	while (b->rc->ops->next(b->rc->be, &r) == 1)
		finish(b, r);
}

/* --- taking inputs ------------------------------------------------------- */

/* A copy of an earlier input's records, under this input's file name. */
static json_t *
copy_for(const json_t *old, const json_t *rec)
{
	json_t *c = json_deep_copy(old);
	size_t i;

	for (i = 0; c != NULL && i < recs_n(c); i++)
		json_object_set(recs_get(c, i), "file", json_object_get(rec,
		    "file"));
	return c;
}

/* A killed run's journaled images of one record given their names. */
static void
adopt(struct batch *b, size_t idx, json_t *rec)
{
	struct fz_err err;
	char *stem;
	int rc;

	if (b->stems != NULL) {
		if ((stem = card_stem(b, idx, rec)) == NULL)
			record_set_error(rec, "save_failed", "out of memory");
		else if ((rc = save_adopt(b->dirfd, b->conf->save_dir, stem,
		    json_object_get(rec, "faiz_saving"), b->conf->force,
		    &err)) != SAVE_OK)
			save_failed(rec, rc, &err);
		free(stem);
	}
	json_object_del(rec, "faiz_saving");
}

/*
 * Was this image paid for before? A killed run's journal record is taken
 * (its images given their names); a --resume record is skipped, or with
 * -o written out again. Returns 1 to go on, 0 with *recp replaced, -1 to
 * skip, 2 when out of memory.
 */
static int
earlier(struct batch *b, size_t idx, const char *sha, json_t **recp)
{
	const struct batch_conf *c = b->conf;
	struct resume_entry *je, *re;
	json_t *copy;
	size_t i;
	int kept;

	je = resume_find(c->recovered, sha);
	re = resume_find(c->resume, sha);
	kept = re != NULL && (re->cls == RESUME_DONE ||
	    (re->cls == RESUME_CHARGED_FAILURE && !c->retry_failed));
	/* Appending to FILE: a record already there is not written twice. */
	if (kept && !c->resume_emit) {
		if (je != NULL)
			je->used = 1;
		return -1;
	}
	if (je != NULL && je->cls != RESUME_RESEND) {
		if ((copy = copy_for(je->rec, *recp)) == NULL)
			return 2;
		for (i = 0; i < recs_n(copy); i++)
			adopt(b, idx, recs_get(copy, i));
		je->used = 1;
		b->stats->recovered += recs_n(copy);
		json_decref(*recp);
		*recp = copy;
		return 0;
	}
	if (!kept)
		return 1;
	if ((copy = copy_for(re->rec, *recp)) == NULL)
		return 2;
	json_decref(*recp);
	*recp = copy;
	return 3;
}

/*
 * Everything that needs no recogniser: read and check the file, skip what
 * --resume has, refuse what would overwrite. Returns 1 when h is ready to
 * hand over, 0 when its record is already complete, -1 to skip it, 2 when
 * it has the same content as an input sent before (the entry in *dup), 3
 * when *recp is --resume's record, to write out as skipped.
 */
static int
check_local(struct batch *b, size_t idx, json_t **recp, struct image *img,
    long *dup)
{
	json_t *rec = *recp;
	const struct batch_conf *c = b->conf;
	const struct gather_item *it = &b->in->v[idx];
	struct fz_err e;
	const char *code, *why;
	char *which;

	if (it->error_code != NULL) {
		record_set_error(rec, it->error_code, "%s",
		    it->error_msg ? it->error_msg : it->error_code);
		return 0;
	}
	if (input_load(it->path, img, &b->lim, &code, &e) == -1) {
		record_set_error(rec, code, "%s", e.msg);
		return 0;
	}
	json_object_set_new(rec, "sha256", json_string(img->sha256));
	switch (earlier(b, idx, img->sha256, recp)) {
	case -1:
		return -1;
	case 0:
		return 0;
	case 2:
		record_set_error(rec, "not_sent", "not sent: out of memory");
		return 0;
	case 3:
		return 3;
	}
	/* A copy, a link or a name given twice: one upload per content. */
	*dup = dedup_find(&b->dups, img->sha256);
	if (*dup < 0 && stopped(b, &why) != RECOG_GO) {
		record_set_error(rec, "not_sent", "not sent: %s", why);
		return 0;
	}
	if (b->stems != NULL && !c->force && save_would_clobber(c->save_dir,
	    b->stems[idx], c->images, &which) == 1) {
		/* Refused before recognition: nothing spent. */
		record_set_error(rec, "exists", "%s: file exists (use "
		    "--force to overwrite)", which);
		free(which);
		return 0;
	}
	return *dup >= 0 ? 2 : 1;
}

/* Take the next input: finish it locally or hand it to the recogniser. */
static void
take(struct batch *b)
{
	size_t idx = b->next_input++;
	struct recog_job job;
	struct image img;
	struct held *h;
	struct fz_err e;
	json_t *rec;
	char *name;
	long dup = -1;
	int rc;

	name = fz_utf8_clean(b->in->v[idx].path);
	rec = name ? record_new(name, b->rc->ops->name) : NULL;
	free(name);
	if (rec == NULL) {
		/* Out of memory: stop, finish what is under way. */
		b->rc->ops->stop(b->rc->be, RECOG_STOP_NOMEM, "out of memory");
		return;
	}
	memset(&img, 0, sizeof(img));
	rc = check_local(b, idx, &rec, &img, &dup);
	if (rc == 3) {
		input_free(&img);
		b->stats->skipped++;
		place(b, idx, rec);
		return;
	}
	if (rc == 2) {
		input_free(&img);
		dup_take(b, idx, rec, (size_t)dup);
		return;
	}
	if (rc == -1) {
		json_decref(rec);
		input_free(&img);
		skip(b, idx);
		return;
	}
	if (rc == 0) {
		input_free(&img);
		complete(b, idx, rec);
		return;
	}
	if ((h = held_slot(b)) == NULL) {
		b->rc->ops->stop(b->rc->be, RECOG_STOP_NOMEM, "out of memory");
		record_set_error(rec, "not_sent", "not sent: out of memory");
		input_free(&img);
		complete(b, idx, rec);
		return;
	}
	h->used = 1;
	h->id = idx;
	h->rec = rec;
	h->img = img;
	job.id = idx;
	job.path = b->in->v[idx].path;
	job.img = &h->img;
	if (b->rc->ops->submit(b->rc->be, &job, &e) == -1) {
		b->rc->ops->stop(b->rc->be, RECOG_STOP_NOMEM, e.msg);
		record_set_error(rec, "not_sent", "not sent: %s", e.msg);
		h->rec = NULL;
		held_release(h);
		complete(b, idx, rec);
		return;
	}
	/* Out of memory here only means a later copy is sent too. */
	(void)dedup_add(&b->dups, h->img.sha256, idx);
	/* A recogniser may refuse an image at once: its record comes now,
	 * before the next input's, as any local failure's would. */
	collect(b);
}

/* --- the loop ------------------------------------------------------------ */

static void
progress(struct batch *b, int force)
{
	double now = fz_now_mono();

	if (b->hooks->progress == NULL)
		return;
	if (!force && now - b->last_progress < PROGRESS_EVERY)
		return;
	b->last_progress = now;
	b->stats->elapsed = now - b->t0;
	b->rc->ops->stats(b->rc->be, &b->stats->backend);
	b->hooks->progress(b->hooks->ctx, b->stats);
}

static void
run_loop(struct batch *b)
{
	const struct recog_ops *ops = b->rc->ops;
	void *be = b->rc->be;

	for (;;) {
		if (interrupted(b))
			break;
		/* Take inputs while the recogniser has room and the window allows. */
		while (b->next_input < b->in->n && ops->capacity(be) > 0 &&
		    (b->conf->unordered ||
		    b->next_input - b->next_emit < b->window) &&
		    !interrupted(b))
			take(b);
		if (ops->pending(be) == 0 && b->next_input >= b->in->n)
			break;
		ops->wait(be, WAIT_MAX);
		collect(b);
		progress(b, 0);
	}
	/*
	 * Interrupted: nothing more is sent; the answers in flight are
	 * awaited (the recogniser bounds each by its timeout) and kept,
	 * since they are paid for. A second signal abandons them.
	 */
	if (interrupted(b)) {
		ops->cancel(be);
		collect(b);
		if (ops->pending(be) > 0 && !aborting(b))
			say(b, "interrupted: waiting for %zu answer%s in flight "
			    "(interrupt again to abandon %s)", ops->pending(be),
			    ops->pending(be) == 1 ? "" : "s",
			    ops->pending(be) == 1 ? "it" : "them");
		while (ops->pending(be) > 0) {
			ops->wait(be, DRAIN_WAIT);
			collect(b);
			progress(b, 0);
		}
	}
}

enum batch_end
batch_run(const struct batch_conf *conf, const struct gather *in,
    const struct recog *rc, const struct batch_hooks *hooks,
    struct batch_stats *stats, struct fz_err *err)
{
	struct batch b;
	const char **paths;
	const char *why = "";
	double t0 = fz_now_mono();
	size_t i;
	enum batch_end end = BATCH_OK;

	memset(&b, 0, sizeof(b));
	memset(stats, 0, sizeof(*stats));
	b.conf = conf;
	b.hooks = hooks;
	b.in = in;
	b.rc = rc;
	b.stats = stats;
	b.t0 = t0;
	b.dirfd = -1;
	rc->ops->read_limits(rc->be, &b.lim);
	/* Records wait for the earliest input still with the recogniser: room
	 * for several times what it holds keeps it busy past a slow one. */
	b.window = rc->ops->capacity(rc->be) * 4 + 16;
	stats->total = in->n;

	if ((b.ring = calloc(b.window, sizeof(*b.ring))) == NULL ||
	    (b.ring_set = calloc(b.window, 1)) == NULL) {
		fz_seterr(err, "out of memory");
		end = BATCH_NO_MEMORY;
		goto done;
	}
	if (conf->save_dir != NULL) {
		if ((b.dirfd = save_dir_open(conf->save_dir, err)) == -1) {
			end = BATCH_BAD_SAVE_DIR;
			goto done;
		}
		if ((paths = calloc(in->n ? in->n : 1, sizeof(*paths))) == NULL) {
			fz_seterr(err, "out of memory");
			end = BATCH_NO_MEMORY;
			goto done;
		}
		for (i = 0; i < in->n; i++)
			paths[i] = in->v[i].path;
		b.stems = stems_unique(paths, in->n, err);
		free(paths);
		if (b.stems == NULL) {
			end = BATCH_NO_MEMORY;
			goto done;
		}
	}

	run_loop(&b);

	/* Whatever completed is kept, in order, even after an interrupt. */
	for (; b.next_emit < b.next_input; b.next_emit++) {
		size_t slot = b.next_emit % b.window;
		if (b.ring_set[slot] == 1)
			emit_now(&b, b.ring[slot]);
		b.ring[slot] = NULL;
		b.ring_set[slot] = 0;
	}
	stats->stop = stopped(&b, &why);
	if (stats->stop != RECOG_GO && !stats->output_failed)
		say(&b, "stopped: %s", why);
	/* Waiting for a first that never came back: not sent either. */
	for (i = 0; i < b.nwaiting; i++) {
		json_decref(b.waiting[i].rec);
		stats->not_sent++;
	}
	b.nwaiting = 0;
	if (stats->abandoned > 0)
		say(&b, "%zu answer%s abandoned in flight: possibly charged, "
		    "no record kept", stats->abandoned,
		    stats->abandoned == 1 ? "" : "s");
	if (stats->stop != RECOG_GO || interrupted(&b)) {
		/* Inputs never taken count as not sent, like records saying so. */
		stats->not_sent += in->n - b.next_input;
		if (stats->not_sent > 0)
			say(&b, "%zu of %zu images not sent", stats->not_sent,
			    in->n);
	}
	if (interrupted(&b))
		end = BATCH_INTERRUPTED;
	else if (stats->stop != RECOG_GO)
		end = BATCH_STOPPED;
	else if (stats->failed > 0 || stats->output_failed || b.dup_failed > 0)
		end = BATCH_SOME_FAILED;

done:
	for (i = 0; i < b.nheld; i++) {
		held_release(b.held[i]);
		free(b.held[i]);
	}
	free(b.held);
	for (i = 0; i < b.nwaiting; i++)
		json_decref(b.waiting[i].rec);
	free(b.waiting);
	dedup_free(&b.dups);
	if (b.ring != NULL)
		for (i = 0; i < b.window; i++)
			json_decref(b.ring[i]);
	free(b.ring);
	free(b.ring_set);
	stems_free(b.stems, in->n);
	if (b.dirfd != -1)
		close(b.dirfd);
	rc->ops->stats(rc->be, &stats->backend);
	stats->elapsed = fz_now_mono() - t0;
	return end;
}
