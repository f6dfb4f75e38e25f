/* libFuzzer target: resp_parse, resp_fill_result and resp_images on a body the server might send. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "record.h"
#include "gw_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte picks the HTTP status; the rest is the body. */
static const long statuses[] = { 200, 401, 403, 500, 502, 404 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resp_result r;
	struct recog_result *res;
	struct fz_err err;
	long status;

	if (size < 1)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	resp_parse(status, (const char *)data + 1, size - 1, &r);
	/* The classification must always leave a code and message behind. */
	if (memchr(r.code, '\0', sizeof(r.code)) == NULL ||
	    memchr(r.message, '\0', sizeof(r.message)) == NULL)
		abort();
	if (r.verdict == RESP_OK) {
		if (r.root == NULL || r.data == NULL)
			abort();
		if ((res = recog_result_new(0)) != NULL) {
			/* Fields, then every image decoded as --save-images would. */
			if (resp_fill_result(&r, res) == 0)
				(void)resp_images(r.data, 7, res, &err);
			recog_result_free(res);
		}
	}
	resp_free(&r);
	return 0;
}
