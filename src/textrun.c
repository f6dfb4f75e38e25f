/* The --text-lines run: each input image through the local OCR, one ndjson object per text line. */
#include "textrun.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "input.h"
#include "out.h"

/* Three significant digits are enough for a confidence rounded to 0.001. */
#define TEXTRUN_DUMP_FLAGS \
	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3))

/* "FILE: text" to one of main's printers. */
static void
say(void (*fn)(void *, const char *), void *ctx, const char *path,
    const char *text)
{
	char buf[2048];

	if (fn == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s: %s", path, text);
	fn(ctx, buf);
}

/* A corner as whole pixels: the detector keeps boxes inside the picture. */
static json_t *
corner(float x, float y)
{
	return json_pack("[II]", (json_int_t)(x > 0 ? lroundf(x) : 0),
	    (json_int_t)(y > 0 ? lroundf(y) : 0));
}

json_t *
textrun_line_json(const char *file, size_t idx, const struct textline *l)
{
	json_t *box, *rec = NULL;
	char *name;
	double conf;
	int i;

	if ((box = json_array()) == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		if (json_array_append_new(box, corner(l->x[i], l->y[i])) != 0) {
			json_decref(box);
			return NULL;
		}
	/* Any path goes into JSON: bytes that are not UTF-8 become U+FFFD. */
	if ((name = fz_utf8_clean(file)) == NULL) {
		json_decref(box);
		return NULL;
	}
	conf = round((double)l->confidence * 1000) / 1000;
	/* "o" takes box over, even when json_pack fails. */
	rec = json_pack("{s:s, s:I, s:o, s:s, s:f}", "file", name, "line",
	    (json_int_t)idx + 1, "box", box, "text", l->text ? l->text : "",
	    "confidence", conf);
	free(name);
	return rec;
}

/* Write the lines of one picture; 0, or -1 with err when fp fails. */
static int
write_lines(FILE *fp, const char *path, const struct textline_set *set,
    struct textrun_stats *stats, struct fz_err *err)
{
	json_t *rec;
	size_t i;

	for (i = 0; i < set->n; i++) {
		if ((rec = textrun_line_json(path, i, &set->v[i])) == NULL) {
			fz_seterr(err, "out of memory");
			return -1;
		}
		errno = 0;
		if (json_dumpf(rec, fp, TEXTRUN_DUMP_FLAGS) == -1) {
			json_decref(rec);
			out_write_error(err, errno);
			return -1;
		}
		json_decref(rec);
		if (out_puts(fp, "\n", err) == -1)
			return -1;
		stats->lines++;
	}
	/* Each picture's lines reach a pipe as soon as they are known. */
	return out_flush(fp, err);
}

/*
 * One input: 1 when its lines were written, 0 when it failed (the reason
 * in *why), -1 when the output failed (err set).
 */
static int
one_image(const struct textlines *tl, struct textlines_ws *ws,
    const struct textrun_conf *conf, const struct gather_item *it, FILE *fp,
    const struct textrun_hooks *hooks, struct textrun_stats *stats,
    struct fz_err *why, struct fz_err *err)
{
	/* The whole file is read (up to the tool's limit) and decoded here. */
	const struct input_limits lim = { INPUT_MAX_READ, 0, 0 };
	struct textline_set set = { 0 };
	struct image img;
	const char *code;
	char note[64];
	double t0 = fz_now_mono();
	int rc;

	if (it->error_code != NULL) {
		fz_seterr(why, "%s",
		    it->error_msg ? it->error_msg : it->error_code);
		return 0;
	}
	if (input_load(it->path, &img, &lim, &code, why) == -1)
		return 0;
	rc = textlines_read(tl, ws, img.data, img.len, &set, why);
	input_free(&img);
	if (rc != 0)
		return 0;
	if (conf->verbose) {
		snprintf(note, sizeof(note), "%zu text line%s, %.2f s", set.n,
		    set.n == 1 ? "" : "s", fz_now_mono() - t0);
		say(hooks->note, hooks->ctx, it->path, note);
	}
	rc = write_lines(fp, it->path, &set, stats, err);
	textline_set_free(&set);
	return rc == 0 ? 1 : -1;
}

enum textrun_end
textrun_run(const struct textrun_conf *conf, const struct gather *in,
    FILE *fp, const struct textrun_hooks *hooks, struct textrun_stats *stats,
    struct fz_err *err)
{
	struct textlines *tl = NULL;
	struct textlines_ws *ws = NULL;
	enum textrun_end end = TEXTRUN_OK;
	struct fz_err why;
	double t0 = fz_now_mono();
	size_t i;
	int rc;

	stats->images = stats->failed = stats->lines = 0;
	stats->elapsed = 0;
	if (textlines_open(conf->models_dir, &tl, err) != 0)
		return TEXTRUN_NO_MODELS;
	if ((ws = textlines_ws_new(tl)) == NULL) {
		fz_seterr(err, "out of memory");
		textlines_close(tl);
		return TEXTRUN_STOPPED;
	}
	for (i = 0; i < in->n; i++) {
		if (conf->interrupted != NULL && *conf->interrupted) {
			end = TEXTRUN_INTERRUPTED;
			break;
		}
		rc = one_image(tl, ws, conf, &in->v[i], fp, hooks, stats, &why,
		    err);
		if (rc == -1) {
			end = TEXTRUN_STOPPED;
			break;
		}
		if (rc == 1) {
			stats->images++;
		} else {
			say(hooks->error, hooks->ctx, in->v[i].path, why.msg);
			stats->failed++;
		}
	}
	if (end == TEXTRUN_OK && stats->failed > 0)
		end = TEXTRUN_SOME_FAILED;
	textlines_ws_free(ws);
	textlines_close(tl);
	stats->elapsed = fz_now_mono() - t0;
	return end;
}
