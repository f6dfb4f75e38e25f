/* libFuzzer target: config_parse on any INI text, for a profile picked by the first byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const profiles[] = { "default", "work", "a", "" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_file cf;
	struct strlist warnings = { 0 };
	struct fz_err err;
	const char *profile;
	size_t i;
	int rc;

	if (size < 1)
		return 0;
	profile = profiles[data[0] % (sizeof(profiles) / sizeof(profiles[0]))];
	err.msg[0] = '\0';
	/* The text is not NUL-terminated: config_parse must not need it. */
	rc = config_parse((const char *)data + 1, size - 1, "fuzz.ini",
	    profile, &cf, data[0] & 0x80 ? NULL : &warnings, &err);
	if (rc == 0) {
		if (cf.secret_key != NULL && strlen(cf.secret_key) > 0 &&
		    !cf.has_secret)
			abort();
	} else if (rc != -1 || cf.access_key != NULL ||
	    cf.secret_key != NULL || cf.endpoint != NULL ||
	    err.msg[0] == '\0') {
		abort();
	}
	/* No warning or error may quote a secret_key line (see config.c). */
	for (i = 0; i < warnings.n; i++)
		if (strstr(warnings.v[i], "secret_key") != NULL &&
		    strstr(warnings.v[i], "unknown key") == NULL)
			abort();
	config_file_free(&cf);
	strlist_free(&warnings);
	return 0;
}
