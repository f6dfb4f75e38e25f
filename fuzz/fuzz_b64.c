/* libFuzzer target: gw_b64_decode, the strict base64 decoder for the images the server returns. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_b64.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	size_t outlen = 0, i, n = 0, pad = 0;
	struct fz_err err;

	/* Not NUL-terminated: the decoder must keep to size. */
	if (gw_b64_decode((const char *)data, size, &out, &outlen,
	    &err) == 0) {
		/* Count what the documented rules let through and check the length. */
		for (i = 0; i < size; i++) {
			if (data[i] == ' ' || data[i] == '\r' ||
			    data[i] == '\n')
				continue;
			if (data[i] == '=')
				pad++;
			n++;
		}
		if (n % 4 != 0 || pad > 2 || outlen != n / 4 * 3 - pad)
			abort();
		if (outlen > 0 && out == NULL)
			abort();
		free(out);
	} else if (out != NULL) {
		abort();
	}
	return 0;
}
