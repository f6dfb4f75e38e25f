/* Request signing for the Faiz gateway: the nonce from OpenSSL's CSPRNG, the sign over body and secret. */
#include "gw_sign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "digest.h"

int
sign_body(const char *body, size_t blen, const char *secret, char out[65])
{
	size_t slen = strlen(secret);
	char *buf;
	int rc;

	/* The gateway hashes the UTF-8 bytes of body + "." + secretKey. */
	if (blen > SIZE_MAX - 1 - slen || (buf = malloc(blen + 1 + slen)) == NULL)
		return -1;
	memcpy(buf, body, blen);
	buf[blen] = '.';
	memcpy(buf + blen + 1, secret, slen);
	rc = digest_sha256_hex(buf, blen + 1 + slen, out);
	/* The buffer held the secret key: wipe it before it goes back to malloc. */
	OPENSSL_cleanse(buf, blen + 1 + slen);
	free(buf);
	return rc;
}

int
sign_request(struct sign_headers *h, const char *image_sha256,
    const char *secret, time_t now, struct fz_err *err)
{
	unsigned char rnd[SIGN_NONCE_BYTES];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		fz_seterr(err, "cannot get random bytes for the nonce");
		return -1;
	}
	fz_hex(rnd, sizeof(rnd), h->nonce);
	snprintf(h->timestamp, sizeof(h->timestamp), "%lld", (long long)now);
	snprintf(h->body, sizeof(h->body), "%s", image_sha256);
	if (sign_body(h->body, strlen(h->body), secret, h->sign) == -1) {
		fz_seterr(err, "SHA-256 failed");
		return -1;
	}
	return 0;
}
