/* The batch: inputs checked and prepared, sent at the admitted pace with -j in flight, retried, recorded in order. */
#ifndef BATCH_H
#define BATCH_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "gather.h"
#include "http.h"
#include "resume.h"
#include "util.h"

struct batch_conf {
	const char *url;          /* endpoint + the interface path */
	const char *access_key;
	const char *secret_key;
	double rate;              /* requests per second */
	long retries;
	long jobs;                /* uploads in flight */
	int unordered;            /* emit in completion order */
	int raw;
	int dry_run;              /* no network: plan only */
	int no_resize;            /* send files as they are */
	const struct resume *resume; /* images to skip, or NULL */
	const char *save_dir;     /* NULL: do not save images */
	unsigned images;          /* enum image_kind bits */
	int force;
	struct http_opts http;
	volatile sig_atomic_t *interrupted;
};

struct batch_stats {
	size_t total;
	size_t done;       /* records out (and skipped) so far */
	size_t recognised;
	size_t failed;
	size_t not_sent;
	size_t skipped;    /* already recognised (--resume) */
	size_t planned;    /* --dry-run: images that would be sent */
	size_t requests;   /* HTTP requests made, retries included */
	size_t refused;    /* 1414 and 50004 answers */
	size_t charged;    /* answers the gateway counts: 10 points each */
	int output_failed; /* writing a record failed (closed pipe, full disk) */
	double elapsed;
};

/* How the batch talks to main, which alone prints. */
struct batch_hooks {
	void *ctx;
	int (*emit)(void *ctx, json_t *rec);          /* 0, or -1 when output failed */
	void (*error)(void *ctx, const char *msg);    /* always shown */
	void (*warn)(void *ctx, const char *msg);     /* hidden by -q */
	void (*verbose)(void *ctx, const char *line); /* only with -v, else NULL */
	void (*progress)(void *ctx, const struct batch_stats *s); /* or NULL */
};

/* Run the whole batch over the gathered inputs; returns an enum exit_code. */
int batch_run(const struct batch_conf *conf, const struct gather *in,
    const struct batch_hooks *hooks, struct batch_stats *stats,
    struct fz_err *err);

/* Seconds between request starts for a rate: a 4% margin so network jitter
 * cannot bring two requests to the backend inside one admitted interval. */
double batch_interval(double rate);

#endif
