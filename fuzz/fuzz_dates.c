/* libFuzzer target: the printed-birthday and validity-period parsers, and the record checks that use them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checks.h"
#include "idnum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checks_opts co = { 2026, 11, 25 };
	int y, m, d, sy, sm, sd, ey, em, ed;
	json_t *rec;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (checks_parse_birthday(s, &y, &m, &d) == 0 && !date_valid(y, m, d))
		abort();
	if (checks_parse_validity(s, &sy, &sm, &sd, &ey, &em, &ed) == 0) {
		if (!date_valid(sy, sm, sd))
			abort();
		if (ey != 0 && (!date_valid(ey, em, ed) ||
		    date_days(ey, em, ed) <= date_days(sy, sm, sd)))
			abort();
	}
	/* The same text as a front's birthday and a back's validity. */
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n}", "side", "back",
	    "type", "第二代身份证背面", "validity", s, "birthday", s, "sex", "男",
	    "id_number", "11010519491231002X", "error");
	if (rec != NULL) {
		if (checks_record(rec, &co) == -1)
			abort();
		json_object_set_new(rec, "side", json_string("front"));
		json_object_del(rec, "checks");
		if (checks_record(rec, &co) == -1)
			abort();
		json_decref(rec);
	}
	free(s);
	return 0;
}
