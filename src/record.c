/* The per-image record: creation with every key in order, error setting, access. */
#include "record.h"

#include <stdarg.h>
#include <stdio.h>

const char *const record_text_fields[] = {
	"name", "sex", "people", "birthday", "address", "id_number",
	"issue_authority", "validity", NULL
};

const char *const record_flag_fields[] = {
	"head_covered", "head_blurred", "border_covered", "gray_image", NULL
};

json_t *
record_new(const char *file)
{
	json_t *rec;
	int i, bad = 0;

	if ((rec = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(rec, "file", json_string(file));
	bad |= json_object_set_new(rec, "side", json_null());
	bad |= json_object_set_new(rec, "type", json_null());
	for (i = 0; record_text_fields[i] != NULL; i++)
		bad |= json_object_set_new(rec, record_text_fields[i], json_null());
	for (i = 0; record_flag_fields[i] != NULL; i++)
		bad |= json_object_set_new(rec, record_flag_fields[i], json_null());
	bad |= json_object_set_new(rec, "sid", json_null());
	bad |= json_object_set_new(rec, "time_cost", json_null());
	bad |= json_object_set_new(rec, "images", json_object());
	bad |= json_object_set_new(rec, "error", json_null());
	if (bad) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

int
record_set_error(json_t *rec, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (err == NULL)
		return -1;
	return json_object_set_new(rec, "error", err);
}

int
record_ok(const json_t *rec)
{
	return json_is_null(json_object_get(rec, "error"));
}

const char *
record_str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}
