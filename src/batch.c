/* The batch: local checks, pacing, signing, sending, retry policy, image saving, one record per input. */
#include "batch.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "exitcode.h"
#include "input.h"
#include "record.h"
#include "response.h"
#include "save.h"
#include "sign.h"

#define BACKOFF_BASE 0.5   /* seconds before the first retry */
#define BACKOFF_MAX 30.0
#define SLOWEST_INTERVAL 60.0 /* slowing down never goes past one call a minute */
#define CLOCK_SKEW_LIMIT 300  /* the gateway's timestamp window */

struct batch {
	const struct batch_conf *conf;
	const struct batch_hooks *hooks;
	struct batch_stats *stats;
	struct http *http;
	double interval;     /* seconds between request starts */
	double next_send;    /* monotonic time the next request may start */
	int dirfd;           /* --save-images directory, or -1 */
	int fatal;           /* exit code that stops the run, 0 while running */
	char fatal_why[1100];
};

static void
hook_error(struct batch *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
hook_warn(struct batch *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
hook_verbose(struct batch *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
hook_error(struct batch *b, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->hooks->error(b->hooks->ctx, buf);
}

static void
hook_warn(struct batch *b, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->hooks->warn(b->hooks->ctx, buf);
}

static void
hook_verbose(struct batch *b, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (b->hooks->verbose == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->hooks->verbose(b->hooks->ctx, buf);
}

static int
interrupted(const struct batch *b)
{
	return b->conf->interrupted != NULL && *b->conf->interrupted;
}

/* A uniformly random fraction in [0, 1) from the CSPRNG (jitter only). */
static double
jitter(void)
{
	unsigned short r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)r / 65536.0;
}

/* Wait for the request slot; the slot is taken when the request starts. */
static void
pace(struct batch *b)
{
	double now = fz_now_mono();

	while (now < b->next_send && !interrupted(b)) {
		fz_sleep(b->next_send - now);
		now = fz_now_mono();
	}
	b->next_send = (now > b->next_send ? now : b->next_send) + b->interval;
}

/* Push the next slot back by at least delay seconds from now. */
static void
hold_off(struct batch *b, double delay)
{
	double t = fz_now_mono() + delay;

	if (t > b->next_send)
		b->next_send = t;
}

static double
backoff(long attempt)
{
	double d = BACKOFF_BASE;
	long i;

	for (i = 0; i < attempt && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d * (1.0 + 0.5 * jitter());
}

static const char *
transport_code(enum http_status hs)
{
	switch (hs) {
	case HTTP_E_TIMEOUT:
		return "timeout";
	case HTTP_E_TOO_LARGE:
		return "response_too_large";
	case HTTP_E_TLS:
		return "tls";
	default:
		return "network";
	}
}

static void
stop_run(struct batch *b, int code, const char *why)
{
	if (b->fatal)
		return;
	b->fatal = code;
	snprintf(b->fatal_why, sizeof(b->fatal_why), "%s", why);
}

/* The "differs from the gateway's clock" hint for a refused request. */
static void
skew_hint(const char *date, char *out, size_t outlen)
{
	long long server = http_parse_date(date), skew;

	out[0] = '\0';
	if (server < 0)
		return;
	skew = (long long)time(NULL) - server;
	if (skew > CLOCK_SKEW_LIMIT || skew < -CLOCK_SKEW_LIMIT)
		snprintf(out, outlen, "; this machine's clock is %lld seconds "
		    "%s the gateway's (its Date header says %s) and the gateway "
		    "refuses timestamps more than %d seconds old: fix the clock",
		    skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of",
		    date, CLOCK_SKEW_LIMIT);
}

static void
attach_raw(struct batch *b, json_t *rec, const struct resp_result *r,
    const struct http_resp *resp)
{
	char *clean;

	if (!b->conf->raw)
		return;
	if (r->root != NULL) {
		json_object_set(rec, "raw", r->root);
		return;
	}
	if ((clean = fz_utf8_clean(resp->body)) != NULL) {
		json_object_set_new(rec, "raw", json_string(clean));
		free(clean);
	}
}

static void
save(struct batch *b, const char *stem, json_t *rec, struct resp_result *r)
{
	struct fz_err e;
	json_t *images = json_object_get(rec, "images");
	int rc;

	rc = save_images(b->dirfd, b->conf->save_dir, stem, r->data,
	    b->conf->images, b->conf->force, images, &e);
	if (rc == SAVE_OK)
		return;
	record_set_error(rec, rc == SAVE_BAD_IMAGE ? "bad_image" :
	    rc == SAVE_EXISTS ? "exists" : "save_failed", "%s", e.msg);
}

/* Send one image until it has an answer worth keeping; fills rec. */
static void
send_image(struct batch *b, const struct image *img, const char *stem,
    json_t *rec)
{
	const struct batch_conf *c = b->conf;
	char h_ak[300], h_nonce[64], h_ts[64], h_body[96], h_sign[96];
	const char *headers[] = { h_ak, h_nonce, h_ts, h_body, h_sign,
		"methodName: idCardRecognition", NULL };
	struct sign_headers sh;
	struct http_resp resp;
	struct resp_result r;
	struct fz_err e;
	enum http_status hs;
	long attempt = 0;
	int auth_retried = 0;
	char hint[512];

	snprintf(h_ak, sizeof(h_ak), "accessKey: %s", c->access_key);
	for (;;) {
		pace(b);
		if (interrupted(b)) {
			record_set_error(rec, "interrupted", "interrupted before "
			    "an answer arrived");
			return;
		}
		if (sign_request(&sh, img->sha256, c->secret_key, time(NULL),
		    &e) == -1) {
			record_set_error(rec, "network", "%s", e.msg);
			return;
		}
		snprintf(h_nonce, sizeof(h_nonce), "nonce: %s", sh.nonce);
		snprintf(h_ts, sizeof(h_ts), "timestamp: %s", sh.timestamp);
		snprintf(h_body, sizeof(h_body), "body: %s", sh.body);
		snprintf(h_sign, sizeof(h_sign), "sign: %s", sh.sign);

		hs = http_post(b->http, c->url, headers, img->data, img->len,
		    &resp, &e);
		b->stats->requests++;
		if (hs == HTTP_E_ABORTED) {
			record_set_error(rec, "interrupted", "interrupted before "
			    "an answer arrived");
			return;
		}
		if (hs != HTTP_OK) {
			hook_verbose(b, "POST %s: %zu bytes sent, %s", c->url,
			    img->len, e.msg);
			/* A response over the cap is not retried: it would come again. */
			if (hs != HTTP_E_TOO_LARGE && hs != HTTP_E_TLS &&
			    attempt < c->retries) {
				hold_off(b, backoff(attempt++));
				continue;
			}
			record_set_error(rec, transport_code(hs), "%s%s", e.msg,
			    attempt ? " (after retries)" : "");
			if (hs != HTTP_E_TOO_LARGE)
				stop_run(b, hs == HTTP_E_TLS ? EXIT_AUTH :
				    EXIT_UNAVAILABLE, e.msg);
			return;
		}
		hook_verbose(b, "POST %s: HTTP %ld, %zu bytes sent, %zu bytes "
		    "received, %.3f s", c->url, resp.status, img->len, resp.len,
		    resp.seconds);

		resp_parse(resp.status, resp.body, resp.len, &r);
		if (r.charged)
			b->stats->charged++;
		switch (r.verdict) {
		case RESP_OK:
			if (resp_fill_record(&r, rec) == -1) {
				record_set_error(rec, r.code, "%s", r.message);
			} else if (c->save_dir != NULL) {
				save(b, stem, rec, &r);
			}
			attach_raw(b, rec, &r, &resp);
			break;
		case RESP_IMAGE_FAILED:
		case RESP_BAD:
			record_set_error(rec, r.code, "%s", r.message);
			if (r.root != NULL && json_is_string(json_object_get(
			    r.root, "sid")))
				json_object_set(rec, "sid",
				    json_object_get(r.root, "sid"));
			attach_raw(b, rec, &r, &resp);
			break;
		case RESP_AUTH:
			if (!auth_retried) {
				/* One more try with a fresh nonce and timestamp. */
				auth_retried = 1;
				resp_free(&r);
				http_resp_free(&resp);
				continue;
			}
			skew_hint(resp.date, hint, sizeof(hint));
			record_set_error(rec, "auth", "%s%s", r.message, hint);
			stop_run(b, EXIT_AUTH, "authentication failed twice");
			break;
		case RESP_BLACKLIST:
		case RESP_QUOTA:
		case RESP_NOT_GATEWAY:
			record_set_error(rec, r.code, "%s", r.message);
			stop_run(b, EXIT_AUTH, r.message);
			break;
		case RESP_THROTTLED:
		case RESP_BUSY:
			/* Slow the whole run down, then try this image again. */
			b->stats->refused++;
			b->interval *= 2;
			if (b->interval < 1.0)
				b->interval = 1.0;
			if (b->interval > SLOWEST_INTERVAL)
				b->interval = SLOWEST_INTERVAL;
			if (attempt < c->retries) {
				hook_warn(b, "%s: refused (%s); slowing down to one "
				    "request every %.1f s", c->url, r.code,
				    b->interval);
				hold_off(b, b->interval);
				attempt++;
				resp_free(&r);
				http_resp_free(&resp);
				continue;
			}
			record_set_error(rec, r.code, "%s (after %ld retries)",
			    r.message, attempt);
			break;
		case RESP_BACKEND:
		case RESP_SERVER:
			if (attempt < c->retries) {
				hold_off(b, backoff(attempt++));
				resp_free(&r);
				http_resp_free(&resp);
				continue;
			}
			record_set_error(rec, r.code, "%s (after %ld retries)",
			    r.message, attempt);
			stop_run(b, EXIT_UNAVAILABLE, r.message);
			break;
		}
		resp_free(&r);
		http_resp_free(&resp);
		return;
	}
}

/*
 * Stems for saved images, unique within the run: a/x.jpg and b/x.jpg
 * become x and x-2. Derived from input names only, never from the server.
 */
static char **
unique_stems(char *const *inputs, size_t n)
{
	char **stems, *s, *cand;
	size_t i, j, k;
	int clash;

	if ((stems = calloc(n ? n : 1, sizeof(*stems))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((s = fz_stem(inputs[i])) == NULL)
			goto fail;
		/* A stem must not hide the file or be empty. */
		if (s[0] == '.' || s[0] == '\0') {
			cand = fz_printf("image%s", s);
			free(s);
			if ((s = cand) == NULL)
				goto fail;
		}
		for (k = 1;; k++) {
			cand = k == 1 ? fz_strdup(s) : fz_printf("%s-%zu", s, k);
			if (cand == NULL) {
				free(s);
				goto fail;
			}
			clash = 0;
			for (j = 0; j < i && !clash; j++)
				clash = strcmp(stems[j], cand) == 0;
			if (!clash)
				break;
			free(cand);
		}
		free(s);
		stems[i] = cand;
	}
	return stems;
fail:
	for (i = 0; i < n; i++)
		free(stems[i]);
	free(stems);
	return NULL;
}

static int
emit(struct batch *b, json_t *rec)
{
	if (record_ok(rec))
		b->stats->recognised++;
	else if (json_is_string(json_object_get(json_object_get(rec, "error"),
	    "code")) && strcmp(json_string_value(json_object_get(
	    json_object_get(rec, "error"), "code")), "not_sent") == 0)
		b->stats->not_sent++;
	else
		b->stats->failed++;
	if (b->stats->output_failed)
		return -1;
	if (b->hooks->emit(b->hooks->ctx, rec) == -1) {
		b->stats->output_failed = 1;
		return -1;
	}
	return 0;
}

int
batch_run(const struct batch_conf *conf, char *const *inputs, size_t n,
    const struct batch_hooks *hooks, struct batch_stats *stats,
    struct fz_err *err)
{
	struct batch b;
	struct image img;
	struct fz_err e;
	const char *code;
	char **stems = NULL, *name, *which;
	json_t *rec;
	double t0 = fz_now_mono();
	size_t i;
	int rc = EXIT_OK;

	memset(&b, 0, sizeof(b));
	memset(stats, 0, sizeof(*stats));
	b.conf = conf;
	b.hooks = hooks;
	b.stats = stats;
	b.interval = 1.0 / conf->rate;
	b.next_send = t0;
	b.dirfd = -1;
	stats->total = n;

	if ((b.http = http_new(&conf->http, err)) == NULL)
		return EXIT_UNAVAILABLE;
	if (conf->save_dir != NULL) {
		if ((b.dirfd = save_dir_open(conf->save_dir, err)) == -1) {
			http_free(b.http);
			return EXIT_USAGE;
		}
		if ((stems = unique_stems(inputs, n)) == NULL) {
			fz_seterr(err, "out of memory");
			close(b.dirfd);
			http_free(b.http);
			return EXIT_UNAVAILABLE;
		}
	}

	for (i = 0; i < n && !interrupted(&b) && !stats->output_failed; i++) {
		if ((name = fz_utf8_clean(inputs[i])) == NULL ||
		    (rec = record_new(name)) == NULL) {
			free(name);
			fz_seterr(err, "out of memory");
			rc = EXIT_UNAVAILABLE;
			break;
		}
		free(name);
		/* Local checks run even after a stop: they give the real reason. */
		if (input_load(inputs[i], &img, &code, &e) == -1) {
			record_set_error(rec, code, "%s", e.msg);
			hook_error(&b, "%s: %s", inputs[i], e.msg);
		} else if (b.fatal) {
			record_set_error(rec, "not_sent", "not sent: %s",
			    b.fatal_why);
			input_free(&img);
		} else {
			if (stems != NULL && !conf->force &&
			    save_would_clobber(conf->save_dir, stems[i],
			    conf->images, &which)) {
				/* Refused before the upload: no point spent. */
				record_set_error(rec, "exists", "%s: file exists "
				    "(use --force to overwrite)", which);
				free(which);
			} else {
				send_image(&b, &img, stems ? stems[i] : NULL,
				    rec);
			}
			input_free(&img);
			if (!record_ok(rec))
				hook_error(&b, "%s: %s", inputs[i],
				    json_string_value(json_object_get(
				    json_object_get(rec, "error"), "message")));
		}
		emit(&b, rec);
		json_decref(rec);
	}

	if (b.fatal)
		hook_error(&b, "stopped: %s", b.fatal_why);
	if (stats->not_sent > 0)
		hook_error(&b, "%zu of %zu images not sent", stats->not_sent, n);

	if (stems != NULL)
		for (i = 0; i < n; i++)
			free(stems[i]);
	free(stems);
	if (b.dirfd != -1)
		close(b.dirfd);
	http_free(b.http);
	stats->elapsed = fz_now_mono() - t0;

	if (rc != EXIT_OK)
		return rc;
	if (interrupted(&b))
		return EXIT_INTERRUPTED;
	if (b.fatal)
		return b.fatal;
	if (stats->failed > 0 || stats->output_failed)
		return EXIT_SOME_FAILED;
	return EXIT_OK;
}
