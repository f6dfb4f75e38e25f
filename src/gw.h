/* The Faiz gateway as a recogniser backend: signed uploads over libcurl at the admitted pace, retried, classified. */
#ifndef GW_H
#define GW_H

#include <signal.h>

#include "gw_http.h"
#include "recog.h"
#include "util.h"

/* The interface's path, added to the endpoint for every request. */
#define GW_API_PATH "/api/ai/ocr/idcard"

/* Uploads in flight when -j is not given: the service admits one a second. */
#define GW_DEFAULT_JOBS 2

/* The gateway backend's own settings; main fills them from the options. */
struct gw_settings {
	const char *endpoint;     /* scheme://host[:port], the interface path is added */
	const char *access_key;
	const char *secret_key;
	double rate;              /* requests per second for the run */
	long retries;
	int retry_timeouts;       /* resend once a request whose answer timed out after it was sent */
	unsigned long long max_points; /* never send past this many points, 0: no limit */
	int share_pace;           /* one pace with the other runs on this machine */
	long jobs;                /* uploads in flight (GW_DEFAULT_JOBS unless -j) */
	int raw;                  /* keep the untouched answer */
	int dry_run;              /* no network: plan the preparation only */
	int no_resize;            /* send files as they are */
	unsigned images;          /* enum image_kind bits to decode, 0: none */
	struct http_opts http;
	struct recog_notes notes;
};

/* libcurl's process-wide set-up and tear-down, once, from main. 0 or -1. */
int gw_global_init(void);
void gw_global_cleanup(void);

/* The backend, ready for the run loop; 0, or -1 with err. */
int gw_new(const struct gw_settings *s, struct recog *out, struct fz_err *err);

/* Points the gateway charges per counted answer. */
#define GW_POINTS_PER_CALL 10u

/* Broken answers (paid for, unusable) in a row that stop the run. */
#define GW_BROKEN_IN_A_ROW 3

#endif
