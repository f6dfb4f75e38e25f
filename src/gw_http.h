/* HTTP transport over libcurl's multi interface: several uploads in flight, bounded responses, classified failures. */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "util.h"

#define HTTP_MAX_RESPONSE (16u * 1024 * 1024) /* three base64 images fit with room to spare */

enum http_status {
	HTTP_OK = 0,       /* a complete HTTP response arrived (any status code) */
	HTTP_E_TIMEOUT,    /* --timeout or --connect-timeout ran out */
	HTTP_E_RESOLVE,    /* host name did not resolve */
	HTTP_E_CONNECT,    /* connection refused or unreachable */
	HTTP_E_RECV,       /* connection reset or response cut short */
	HTTP_E_TOO_LARGE,  /* response over the cap */
	HTTP_E_TLS,        /* certificate or TLS failure */
	HTTP_E_ABORTED,    /* interrupted by a signal */
	HTTP_E_OTHER
};

struct http_opts {
	double timeout;          /* whole request, seconds */
	double connect_timeout;  /* seconds */
	size_t max_response;     /* bytes */
	int insecure;            /* https: no certificate or host name verification */
	const char *cacert;      /* https: CA bundle file, NULL for libcurl's default */
	volatile sig_atomic_t *interrupted; /* set by a signal handler: abort transfers */
};

struct http_resp {
	long status;         /* also after a failure: 0 when no status line arrived */
	int sent;            /* the whole request body went out (also after a failure) */
	char *body;          /* NUL-terminated, len bytes; owned by the caller once returned */
	size_t len;
	char date[128];      /* Date header, "" when absent */
	char content_type[128];
	double seconds;      /* total time */
	size_t sent_bytes;   /* request body bytes libcurl sent, also for a failure (-v) */
};

struct http;

/* A transport able to run up to slots transfers at once, sharing connections. */
struct http *http_new(const struct http_opts *opts, size_t slots,
    struct fz_err *err);
/*
 * Start a POST of body (which must stay valid until the transfer is done)
 * with the extra headers (NULL-terminated "Name: value" list). user comes
 * back from http_done. Returns 0, or -1 when no slot is free or libcurl fails.
 */
int http_start(struct http *h, const char *url, const char *const *headers,
    const void *body, size_t len, void *user, struct fz_err *err);
/* Move transfers along for at most timeout seconds, less when one finishes. */
void http_run(struct http *h, double timeout);
/*
 * Collect one finished transfer: returns 1 and fills user, status, resp
 * (and err for a failure, when resp holds only status and sent), or 0 when
 * none has finished.
 */
int http_done(struct http *h, void **user, enum http_status *status,
    struct http_resp *resp, struct fz_err *err);
/* Transfers started and not yet collected. */
size_t http_busy(const struct http *h);
void http_resp_free(struct http_resp *resp);
void http_free(struct http *h);

/*
 * url for a message: any user:password@ before the host becomes ***@.
 * malloc'd, NULL when out of memory.
 */
char *http_redact_url(const char *url);

/* Seconds since the epoch from an HTTP Date header, or -1. */
long long http_parse_date(const char *date);

#endif
