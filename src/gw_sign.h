/* Request signing exactly as the Faiz gateway verifies it. */
#ifndef GW_SIGN_H
#define GW_SIGN_H

#include <stddef.h>
#include <time.h>

#include "util.h"

#define SIGN_NONCE_BYTES 16 /* random bytes; sent as 32 hex characters */

struct sign_headers {
	char nonce[2 * SIGN_NONCE_BYTES + 1];
	char timestamp[24];
	char body[65]; /* lowercase hex SHA-256 of the image bytes */
	char sign[65]; /* lowercase hex SHA-256 of body "." secret */
};

/*
 * The gateway's signature: lowercase hex SHA-256 of the bytes body[0..blen)
 * "." secret. The buffer that held the secret is wiped. Returns 0 or -1.
 */
int sign_body(const char *body, size_t blen, const char *secret,
    char out[65]);

/*
 * Fill h for one attempt: a fresh nonce from the CSPRNG, the timestamp
 * now, body = image_sha256 (hex), sign over body and the secret. Every
 * attempt must call this again: the gateway refuses a nonce it has seen.
 */
int sign_request(struct sign_headers *h, const char *image_sha256,
    const char *secret, time_t now, struct fz_err *err);

#endif
