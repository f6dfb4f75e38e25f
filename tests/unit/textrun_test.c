/* Unit tests for textrun.c: the JSON object of one text line (members, order, rounding, file names). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "textrun.h"
#include "unit.h"

/* The compact text main writes for rec. */
static char *
dump(const json_t *rec)
{
	return json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(3));
}

int
main(void)
{
	struct textline l = {
		{ 10.4f, 99.6f, 99.5f, -0.3f },
		{ 20.5f, 20.49f, 40.0f, 40.0f },
		(char *)"签发机关瑞金市公安局", 0.98749f
	};
	json_t *rec;
	char *s;

	/* Members in the documented order, corners rounded to whole pixels
	 * (a corner a hair outside the picture is 0), confidence to 0.001. */
	rec = textrun_line_json("back.jpg", 2, &l);
	CHECK(rec != NULL);
	s = dump(rec);
	CHECK_STR(s, "{\"file\":\"back.jpg\",\"line\":3,\"box\":[[10,21],"
	    "[100,20],[100,40],[0,40]],\"text\":\"签发机关瑞金市公安局\","
	    "\"confidence\":0.987}");
	free(s);
	json_decref(rec);

	/* A confidence of 1 stays a real; tiny ones keep three decimals. */
	l.confidence = 0.99996f;
	rec = textrun_line_json("a.jpg", 0, &l);
	CHECK(rec != NULL && json_is_real(json_object_get(rec, "confidence")));
	CHECK(json_real_value(json_object_get(rec, "confidence")) == 1.0);
	CHECK(json_integer_value(json_object_get(rec, "line")) == 1);
	json_decref(rec);
	l.confidence = 0.0123f;
	rec = textrun_line_json("a.jpg", 0, &l);
	s = dump(rec);
	CHECK(s != NULL && strstr(s, "\"confidence\":0.012}") != NULL);
	free(s);
	json_decref(rec);

	/* A file name that is not UTF-8 still makes valid JSON. */
	rec = textrun_line_json("bad\xff.jpg", 0, &l);
	CHECK(rec != NULL);
	CHECK_STR(json_string_value(json_object_get(rec, "file")),
	    "bad\xef\xbf\xbd.jpg");
	json_decref(rec);
	return unit_done("textrun");
}
