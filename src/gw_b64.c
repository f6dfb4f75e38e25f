/* Strict base64 for the images the gateway returns: libb64 decodes what the checks here let through. */
#include "gw_b64.h"

#include <stdlib.h>

#include <b64/cdecode.h>

static int
b64_alphabet(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * Validate, then let libb64 decode. libb64 itself skips any character it
 * does not know, so it would accept garbage: the checks here make it strict.
 */
static int
b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	base64_decodestate st;
	unsigned char c;
	char *clean;
	unsigned char *buf;
	size_t i, n = 0, pad = 0, want;
	int got;

	*out = NULL;
	*outlen = 0;
	if (inlen > GW_B64_MAX)
		return GW_B64_TOO_LARGE;
	if (in == NULL && inlen > 0)
		return GW_B64_INVALID;
	if ((clean = malloc(inlen + 1)) == NULL)
		return GW_B64_NOMEM;
	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		if (c == ' ' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (++pad > 2)
				goto invalid;
		} else if (!b64_alphabet(c) || pad > 0) {
			/* A foreign byte, or data after the padding. */
			goto invalid;
		}
		clean[n++] = (char)c;
	}
	if (n % 4 != 0)
		goto invalid;
	want = n / 4 * 3 - pad;
	/* libb64 stores one byte past the data it returns: room for it. */
	if ((buf = calloc(1, want + 1)) == NULL) {
		free(clean);
		return GW_B64_NOMEM;
	}
	base64_init_decodestate(&st);
	/* n is at most GW_B64_MAX, well inside an int. */
	got = base64_decode_block(clean, (int)(n - pad), (char *)buf, &st);
	free(clean);
	if (got < 0 || (size_t)got != want) {
		free(buf);
		return GW_B64_INVALID;
	}
	*out = buf;
	*outlen = want;
	return GW_B64_OK;
invalid:
	free(clean);
	return GW_B64_INVALID;
}

int
gw_b64_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen, struct fz_err *err)
{
	int rc = b64_decode(in, inlen, out, outlen);

	switch (rc) {
	case GW_B64_OK:
		break;
	case GW_B64_TOO_LARGE:
		fz_seterr(err, "base64 text too large (over %lu bytes)",
		    GW_B64_MAX);
		break;
	case GW_B64_NOMEM:
		fz_seterr(err, "out of memory");
		break;
	default:
		fz_seterr(err, "invalid base64");
		break;
	}
	return rc;
}
