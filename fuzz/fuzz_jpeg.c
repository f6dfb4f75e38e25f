/* libFuzzer target: jpeg_probe's marker walk and EXIF orientation on any bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpeg.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpeg_info info;
	struct fz_err err;
	int rc;

	err.msg[0] = '\0';
	rc = jpeg_probe(data, size, &info, &err);
	if (rc == JPEG_OK) {
		/* What the header promises to its callers. */
		if (info.width == 0 || info.height == 0 ||
		    info.components < 1 || info.orientation < 1 ||
		    info.orientation > 8)
			abort();
	} else if (rc != JPEG_NOT_JPEG && rc != JPEG_BAD &&
	    rc != JPEG_TRUNCATED) {
		abort();
	} else if (err.msg[0] == '\0') {
		abort(); /* a failure always says why */
	}
	/* info and err may both be NULL; the verdict must not change. */
	if (jpeg_probe(data, size, NULL, NULL) != rc)
		abort();
	return 0;
}
