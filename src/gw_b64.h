/* The gateway's base64 images: a strict decoder in front of libb64. */
#ifndef GW_B64_H
#define GW_B64_H

#include <stddef.h>

#include "util.h"

/* The most base64 text gw_b64_decode accepts (the response bound). */
#define GW_B64_MAX (16UL * 1024 * 1024)

/*
 * Decode base64 strictly: A-Z a-z 0-9 + / with = padding (at most two) only
 * at the end; CR, LF and spaces are skipped; the length without them must be
 * a multiple of 4. Input over GW_B64_MAX bytes is refused. On success
 * returns GW_B64_OK with a malloc'd *out of *outlen bytes (the caller
 * frees it); otherwise one of the failures below with the reason in err
 * ("invalid base64", "base64 text too large ...", "out of memory").
 */
enum gw_b64_status { GW_B64_OK = 0, GW_B64_INVALID = -1,
	GW_B64_TOO_LARGE = -2, GW_B64_NOMEM = -3 };

int gw_b64_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen, struct fz_err *err);

#endif
