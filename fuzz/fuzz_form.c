/* libFuzzer target: srv_form_find, the server's multipart/form-data reader (Content-Type line, then the body). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srv_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	const unsigned char *part = NULL, *body;
	size_t ctlen, blen, plen = 0;
	char *ct;
	int rc;

	if (nl == NULL)
		return 0;
	ctlen = (size_t)(nl - data);
	if ((ct = malloc(ctlen + 1)) == NULL)
		return 0;
	memcpy(ct, data, ctlen);
	ct[ctlen] = '\0';
	/* A copy of exactly the body's length, so ASan sees any read past it. */
	blen = size - ctlen - 1;
	body = malloc(blen ? blen : 1);
	if (body == NULL) {
		free(ct);
		return 0;
	}
	memcpy((void *)body, nl + 1, blen);
	rc = srv_form_find(ct, body, blen, SRV_FORM_FIELD, &part, &plen);
	if (rc == 0 && (part == NULL || part < body || part + plen > body + blen))
		abort();
	if (rc != 0 && rc != 40002 && rc != 40008 && rc != 40009)
		abort();
	(void)srv_form_is_form(ct);
	free((void *)body);
	free(ct);
	return 0;
}
