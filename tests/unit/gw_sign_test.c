/* Unit tests for gw_sign.c: nonces are fresh and well formed, and the sign is SHA-256 of body "." secret. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "gw_sign.h"
#include "unit.h"

#define NCALLS 10000

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
lower_hex(const char *s, size_t want)
{
	size_t i;

	if (strlen(s) != want)
		return 0;
	for (i = 0; i < want; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

int
main(void)
{
	/* An image digest as the client would compute it (any 64 hex digits). */
	static const char body[] =
	    "0d5f1a0c9a3b2e7f46b1c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3";
	static const char secret[] = "fedcba9876543210fedcba9876543210";
	/*
	 * Computed once, outside the program under test, with:
	 *   printf '%s' "$body.$secret" | sha256sum
	 * for the body and secret above.
	 */
	static const char want_sign[] =
	    "73eece6ff32325f3f8a362a996bcb89ea4ee65a9f8da5c31943d459cbf1ea159";
	struct sign_headers h;
	struct fz_err err;
	char **nonces, out[65];
	size_t i, bad = 0, dup = 0;

	CHECK(sign_request(&h, body, secret, 1700000000, &err) == 0);
	CHECK_STR(h.body, body);
	CHECK_STR(h.sign, want_sign);
	CHECK_STR(h.timestamp, "1700000000");

	/* SHA-256 of nothing, the standard vector. */
	CHECK(digest_sha256_hex("", 0, out) == 0);
	CHECK_STR(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* 10,000 calls: 10,000 distinct nonces, each 32 lowercase hex characters. */
	if ((nonces = calloc(NCALLS, sizeof(*nonces))) == NULL)
		return 2;
	for (i = 0; i < NCALLS; i++) {
		if (sign_request(&h, body, secret, 1700000000, &err) != 0 ||
		    (nonces[i] = strdup(h.nonce)) == NULL)
			return 2;
		if (!lower_hex(nonces[i], 32))
			bad++;
		/* The sign depends on body and secret only, never the nonce. */
		if (strcmp(h.sign, want_sign) != 0)
			bad++;
	}
	CHECK(bad == 0);
	qsort(nonces, NCALLS, sizeof(*nonces), cmp_str);
	for (i = 1; i < NCALLS; i++)
		if (strcmp(nonces[i - 1], nonces[i]) == 0)
			dup++;
	CHECK(dup == 0);
	for (i = 0; i < NCALLS; i++)
		free(nonces[i]);
	free(nonces);
	return unit_done("gw_sign");
}
