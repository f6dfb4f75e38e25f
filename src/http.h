/* HTTP transport over libcurl: one reused handle, bounded responses, classified failures. */
#ifndef HTTP_H
#define HTTP_H

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
	HTTP_E_TOO_LARGE,  /* response over HTTP_MAX_RESPONSE */
	HTTP_E_TLS,        /* certificate or TLS failure */
	HTTP_E_ABORTED,    /* interrupted by a signal */
	HTTP_E_OTHER
};

struct http_opts {
	double timeout;          /* whole request, seconds */
	double connect_timeout;  /* seconds */
	size_t max_response;     /* bytes */
	volatile sig_atomic_t *interrupted; /* set by a signal handler: abort the transfer */
};

struct http_resp {
	long status;
	char *body;          /* NUL-terminated, len bytes */
	size_t len;
	char date[128];      /* Date header, "" when absent */
	char content_type[128];
	double seconds;      /* total time */
};

struct http;

struct http *http_new(const struct http_opts *opts, struct fz_err *err);
/* POST body to url with the given extra headers (NULL-terminated "Name: value" list). */
enum http_status http_post(struct http *h, const char *url,
    const char *const *headers, const void *body, size_t len,
    struct http_resp *resp, struct fz_err *err);
void http_resp_free(struct http_resp *resp);
void http_free(struct http *h);

/* Seconds since the epoch from an HTTP Date header, or -1. */
long long http_parse_date(const char *date);

#endif
