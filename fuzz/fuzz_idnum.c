/* libFuzzer target: the ID-number checker (idnum_parse) and the whole --check-id record built from it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checks.h"
#include "idnum.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checks_opts co = { 2026, 11, 25 };
	struct idnum n;
	struct fz_err err;
	json_t *rec;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (idnum_parse(s, 2026, 11, 25, &n, &err) == 0) {
		/* What parsed has the documented shape. */
		if (strlen(n.norm) != 18 || strlen(n.region) != 6)
			abort();
		if (idnum_valid(&n) && (n.sex != 1 && n.sex != 2))
			abort();
		if (idnum_valid(&n) && !date_valid(n.year, n.month, n.day))
			abort();
	}
	rec = checks_id_record(s, &co);
	if (rec == NULL || !json_is_boolean(json_object_get(rec, "valid")))
		abort();
	json_decref(rec);
	free(s);
	return 0;
}
