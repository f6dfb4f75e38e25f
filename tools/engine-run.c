/* Bench tool for the local engine: reads JPEGs through loc_read (one thread, CPU per image) or the engine's pool (-j N), one JSON line per card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "loc_engine.h"
#include "loc_read.h"
#include "nn_kern.h"
#include "recog.h"
#include "record.h"

/*
 * engine-run [-m MODELS] FILE...        one thread in this process: each
 *                                       image's CPU time (decoding
 *                                       included) in "cpu_ms"
 * engine-run [-m MODELS] -j N FILE...   the engine's pool of N workers:
 *                                       wall time and peak RSS at the end
 * Output, one line per card: {"file", "card", "ncards", "code", "side",
 * the text fields, "confidence", "warnings": [codes], "changes",
 * "corners": [x0, y0, ... x3, y3] (the card's in the photo), "cpu_ms"}; then a last line {"images", "wall_s", "images_per_s",
 * "peak_rss_mb"}. For the bench only: it prints the fields it reads.
 */

static double
now_s(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    n < (64L << 20) && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n)) != NULL &&
	    fread(b, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

static void
emit(const char *file, const struct recog_result *r, double cpu_ms)
{
	for (; r != NULL; r = r->next_card) {
		json_t *o = json_pack("{s:s, s:i, s:i, s:s}", "file", file,
		    "card", r->card, "ncards", r->ncards, "code", r->code);
		json_t *w = json_array();
		char *s;

		for (size_t i = 0; i < RECOG_NTEXT; i++)
			json_object_set_new(o, record_text_fields[i],
			    r->text[i].s ? json_stringn(r->text[i].s,
			    r->text[i].len) : json_null());
		json_object_set_new(o, "side", r->side ? json_string(r->side) :
		    json_null());
		for (size_t i = 0; i + 1 < r->warnings.n; i += 2)
			json_array_append_new(w, json_string(r->warnings.v[i]));
		json_object_set_new(o, "warnings", w);
		for (size_t i = 0; i < RECOG_NFLAGS; i++)
			json_object_set_new(o, record_flag_fields[i],
			    r->flags[i] < 0 ? json_null() :
			    json_boolean(r->flags[i]));
		if (r->confidence)
			json_object_set(o, "confidence", r->confidence);
		if (r->changes)
			json_object_set(o, "changes", r->changes);
		if (r->has_corners) {
			json_t *q = json_array();

			for (size_t i = 0; i < 8; i++)
				json_array_append_new(q, json_real(r->corners[i]));
			json_object_set_new(o, "corners", q);
		}
		if (cpu_ms >= 0)
			json_object_set_new(o, "cpu_ms", json_real(cpu_ms));
		json_object_set_new(o, "time_cost", json_pack("{s:I, s:I}",
		    "preprocess", r->preprocess, "recognize", r->recognize));
		if ((s = json_dumps(o, JSON_COMPACT)) != NULL)
			puts(s);
		free(s);
		json_decref(o);
	}
}

int
main(int argc, char **argv)
{
	const char *models = NULL;
	int jobs = 0, i = 1;
	struct fz_err err;
	double w0 = now_s(CLOCK_MONOTONIC);
	struct rusage ru;

	nn_blas_pick_core(argv);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			models = argv[++i];
		else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
			jobs = (int)strtol(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: engine-run [-m DIR] [-j N] FILE...\n");
			return 2;
		}
	}
	if (jobs <= 0) {
		struct textlines *t;
		struct textlines_ws *ws;
		struct loc_read_conf c;

		if (textlines_open(models, &t, &err) != 0 ||
		    (ws = textlines_ws_new(t)) == NULL) {
			fprintf(stderr, "engine-run: %s\n", err.msg);
			return 1;
		}
		loc_read_defaults(t, &c);
		/* Tuning knobs for the bench's one-thread mode only. */
		if (getenv("ENGINE_BOX"))
			c.det.box_thresh = strtof(getenv("ENGINE_BOX"), NULL);
		if (getenv("ENGINE_THRESH"))
			c.det.thresh = strtof(getenv("ENGINE_THRESH"), NULL);
		if (getenv("ENGINE_UNCLIP"))
			c.det.unclip_ratio = strtof(getenv("ENGINE_UNCLIP"), NULL);
		if (getenv("ENGINE_PAD"))
			c.rec_pad = strtof(getenv("ENGINE_PAD"), NULL);
		if (getenv("ENGINE_LIMIT"))
			c.det.limit_side = (int)strtol(getenv("ENGINE_LIMIT"), NULL, 10);
		w0 = now_s(CLOCK_MONOTONIC);
		for (int k = i; k < argc; k++) {
			size_t len;
			unsigned char *b = slurp(argv[k], &len);
			struct recog_result *r = recog_result_new((size_t)k);
			double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);

			if (b == NULL || r == NULL ||
			    loc_read_jpeg(&c, ws, b, len, r) != 0) {
				fprintf(stderr, "engine-run: %s: failed\n", argv[k]);
				return 1;
			}
			emit(argv[k], r, (now_s(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3);
			recog_result_free(r);
			free(b);
		}
		textlines_ws_free(ws);
		textlines_close(t);
	} else {
		struct loc_engine_settings s = { jobs, 0, models };
		struct recog rc;
		struct image *imgs = calloc((size_t)argc, sizeof(*imgs));
		int next = i, left = argc - i;

		if (imgs == NULL || loc_engine_new(&s, &rc, &err) != 0) {
			fprintf(stderr, "engine-run: %s\n", err.msg);
			return 1;
		}
		w0 = now_s(CLOCK_MONOTONIC);
		while (left > 0) {
			struct recog_result *r;

			while (next < argc && rc.ops->capacity(rc.be) > 0) {
				struct recog_job j = { (size_t)next, argv[next],
				    &imgs[next] };

				imgs[next].data = slurp(argv[next], &imgs[next].len);
				if (rc.ops->submit(rc.be, &j, &err) != 0)
					return 1;
				next++;
			}
			rc.ops->wait(rc.be, 1.0);
			while (rc.ops->next(rc.be, &r) == 1) {
				emit(argv[r->id], r, -1);
				free(imgs[r->id].data);
				recog_result_free(r);
				left--;
			}
		}
		rc.ops->free(rc.be);
		free(imgs);
	}
	getrusage(RUSAGE_SELF, &ru);
	{
		double wall = now_s(CLOCK_MONOTONIC) - w0;

		printf("{\"images\": %d, \"wall_s\": %.3f, \"images_per_s\": %.3f, "
		    "\"peak_rss_mb\": %.1f, \"blas_core\": \"%s\"}\n", argc - i, wall,
		    wall > 0 ? (argc - i) / wall : 0, ru.ru_maxrss / 1024.0,
		    nn_blas_core());
	}
	return 0;
}
