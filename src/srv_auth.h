/* The gateway's request checks (accessKey, nonce, timestamp, sign) against a reloadable keys file. */
#ifndef SRV_AUTH_H
#define SRV_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "srv_nonce.h"
#include "util.h"

#define SRV_TIMESTAMP_WINDOW 300  /* seconds: now - timestamp > this is stale */
#define SRV_KEYS_MAX_BYTES 1048576
#define SRV_KEY_MAX_LEN 256

/* Why a request was refused; every refusal but SRV_AUTH_STORE_DOWN is the gateway's bare 403. */
enum srv_auth_status {
	SRV_AUTH_OK = 0,
	SRV_AUTH_UNKNOWN_KEY,   /* accessKey missing or not in the keys file */
	SRV_AUTH_NO_NONCE,      /* nonce missing, blank or over SRV_NONCE_MAX_LEN */
	SRV_AUTH_REPLAY,        /* nonce seen in the last 300 s */
	SRV_AUTH_BAD_TIMESTAMP, /* not a Java long */
	SRV_AUTH_STALE,         /* now - timestamp > 300 */
	SRV_AUTH_BAD_SIGN,
	SRV_AUTH_BODY_MISMATCH, /* --require-body-hash: body is not the image's SHA-256 */
	SRV_AUTH_STORE_DOWN     /* the nonce store cannot answer: 503, never accepted */
};

/* A short fixed name for logs and metrics ("unknown-key", "replay", ...). */
const char *srv_auth_status_name(enum srv_auth_status s);

/* The authentication headers of one request; NULL when a header is absent. */
struct srv_auth_req {
	const char *access_key, *nonce, *timestamp, *body, *sign;
};

struct srv_auth;

/*
 * Load the keys file: lines "ACCESS_KEY SECRET_KEY" (blanks or tabs
 * between, '#' comments and blank lines allowed), at most SRV_KEYS_MAX_BYTES.
 * Refused unless it is a regular file that neither group nor others can
 * read or write (mode 0600 or 0400). No message ever quotes a secret; a bad
 * line is named by its number only.
 */
struct srv_auth *srv_auth_new(const char *keys_file, bool require_body_hash,
    struct fz_err *err);
/* Read the file again; on any error the old keys stay in force. Safe while requests run. */
int srv_auth_reload(struct srv_auth *a, struct fz_err *err);
size_t srv_auth_nkeys(struct srv_auth *a);
void srv_auth_free(struct srv_auth *a);

/*
 * The gateway's header checks, in its order: accessKey known; nonce
 * non-blank and unseen (stored at this point, so a later failure still uses
 * it up, as in the gateway); timestamp a Java long with now - timestamp <=
 * 300 (the future is fine); sign == SHA-256 hex of body "." secret, where a
 * missing or blank body is signed as "null". now is Unix time, mono the
 * monotonic time for the nonce store. On SRV_AUTH_STORE_DOWN err says why.
 */
enum srv_auth_status srv_auth_check(struct srv_auth *a, struct srv_nonce *n,
    const struct srv_auth_req *req, time_t now, double mono,
    struct fz_err *err);

/* With require_body_hash, after the body is in: SRV_AUTH_OK or SRV_AUTH_BODY_MISMATCH. */
enum srv_auth_status srv_auth_check_body(struct srv_auth *a,
    const struct srv_auth_req *req, const unsigned char *image, size_t len);

/* Parse like Java's Long.parseLong: [+-]digits in the 64-bit range. 0 or -1. */
int srv_auth_parse_long(const char *s, long long *out);

#endif
