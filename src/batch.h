/* The batch: each input checked, signed, sent at the admitted pace, retried, recorded. */
#ifndef BATCH_H
#define BATCH_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "http.h"
#include "util.h"

struct batch_conf {
	const char *url;          /* endpoint + the interface path */
	const char *access_key;
	const char *secret_key;
	double rate;              /* requests per second */
	long retries;
	int raw;
	const char *save_dir;     /* NULL: do not save images */
	unsigned images;          /* enum image_kind bits */
	int force;
	struct http_opts http;
	volatile sig_atomic_t *interrupted;
};

/* How the batch talks to main, which alone prints. */
struct batch_hooks {
	void *ctx;
	int (*emit)(void *ctx, json_t *rec);          /* 0, or -1 when output failed */
	void (*error)(void *ctx, const char *msg);    /* always shown */
	void (*warn)(void *ctx, const char *msg);     /* hidden by -q */
	void (*verbose)(void *ctx, const char *line); /* only with -v */
};

struct batch_stats {
	size_t total;
	size_t recognised;
	size_t failed;
	size_t not_sent;
	size_t requests;   /* HTTP requests made, retries included */
	size_t refused;    /* 1414 and 50004 answers */
	size_t charged;    /* answers the gateway counts: 10 points each */
	int output_failed; /* writing a record failed (closed pipe, full disk) */
	double elapsed;
};

/* Run the whole batch; returns an enum exit_code. */
int batch_run(const struct batch_conf *conf, char *const *inputs, size_t n,
    const struct batch_hooks *hooks, struct batch_stats *stats,
    struct fz_err *err);

#endif
