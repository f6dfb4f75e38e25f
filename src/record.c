/* The per-image record: creation with every key in order, error setting, access. */
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const record_text_fields[] = {
	"name", "sex", "people", "birthday", "address", "id_number",
	"issue_authority", "validity", NULL
};

const char *const record_flag_fields[] = {
	"head_covered", "head_blurred", "border_covered", "gray_image", NULL
};

json_t *
record_new(const char *file, const char *engine)
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
	bad |= json_object_set_new(rec, "sha256", json_null());
	bad |= json_object_set_new(rec, "prepared", json_null());
	bad |= json_object_set_new(rec, "warnings", json_array());
	bad |= json_object_set_new(rec, "error", json_null());
	bad |= json_object_set_new(rec, "engine", engine != NULL ?
	    json_string(engine) : json_null());
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
record_warning(json_t *warnings, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_array_append_new(warnings, json_pack("{s:s, s:s}", "code",
	    code, "message", msg));
}

static json_t *
text_json(const struct recog_text *t)
{
	return t->s != NULL ? json_stringn(t->s, t->len) : json_null();
}

/*
 * The changes without their before and after texts: the field and the
 * rule say what was changed and why, and the record then holds no value
 * that --mask does not know to hide (a misread number is still a number).
 */
static json_t *
changes_json(const json_t *changes)
{
	json_t *a = json_array(), *c;
	size_t i;

	if (a == NULL)
		return NULL;
	json_array_foreach(changes, i, c)
		if (json_array_append_new(a, json_pack("{s:O?, s:O?}", "field",
		    json_object_get(c, "field"), "reason",
		    json_object_get(c, "reason"))) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int
record_fill(json_t *rec, const struct recog_result *r)
{
	json_t *warnings = json_object_get(rec, "warnings");
	size_t i;
	int bad = 0;

	/* A value the backend does not know leaves the record's null alone. */
	for (i = 0; i < RECOG_NTEXT; i++)
		if (r->text[i].s != NULL)
			bad |= json_object_set_new(rec, record_text_fields[i],
			    text_json(&r->text[i]));
	if (r->type.s != NULL)
		bad |= json_object_set_new(rec, "type", text_json(&r->type));
	if (r->side != NULL)
		bad |= json_object_set_new(rec, "side", json_string(r->side));
	for (i = 0; i < RECOG_NFLAGS; i++)
		if (r->flags[i] != -1)
			bad |= json_object_set_new(rec, record_flag_fields[i],
			    json_boolean(r->flags[i]));
	if (r->has_time_cost)
		bad |= json_object_set_new(rec, "time_cost", json_pack(
		    "{s:o, s:o}", "preprocess", r->has_preprocess ?
		    json_integer(r->preprocess) : json_null(), "recognize",
		    r->has_recognize ? json_integer(r->recognize) :
		    json_null()));
	if (r->sid.s != NULL)
		bad |= json_object_set_new(rec, "sid", text_json(&r->sid));
	for (i = 0; i + 1 < r->warnings.n; i += 2)
		bad |= record_warning(warnings, r->warnings.v[i], "%s",
		    r->warnings.v[i + 1]);
	if (r->prepared != NULL)
		bad |= json_object_set(rec, "prepared", r->prepared);
	if (r->code[0] != '\0')
		bad |= record_set_error(rec, r->code, "%s", r->message != NULL ?
		    r->message : r->code);
	if (r->raw != NULL)
		bad |= json_object_set(rec, "raw", r->raw);
	if (r->planned)
		bad |= json_object_set_new(rec, "dry_run", json_true());
	/* The local engine's extras; nothing from a backend without them. */
	if (r->ncards > 0)
		bad |= json_object_set_new(rec, "card", json_pack("{s:i, s:i}",
		    "index", r->card, "count", r->ncards));
	if (r->confidence != NULL)
		bad |= json_object_set(rec, "confidence", r->confidence);
	if (r->changes != NULL)
		bad |= json_object_set_new(rec, "changes",
		    changes_json(r->changes));
	return bad ? -1 : 0;
}

void
record_card(const json_t *rec, int *index, int *count)
{
	const json_t *c = json_object_get(rec, "card");
	json_int_t k = json_integer_value(json_object_get(c, "index"));
	json_int_t n = json_integer_value(json_object_get(c, "count"));

	/* Bounded: a record read back (--resume) may say anything. */
	if (n < 1 || n > 1000 || k < 1 || k > n)
		k = n = 1;
	*index = (int)k;
	*count = (int)n;
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

char *
record_prepared_text(const json_t *rec)
{
	const json_t *p = json_object_get(rec, "prepared"), *v, *from, *to;
	char part[3][160];
	size_t n = 0;

	if (!json_is_object(p))
		return fz_strdup("");
	if ((v = json_object_get(p, "rotated")) != NULL && json_is_string(v))
		snprintf(part[n++], sizeof(part[0]), "rotated %s",
		    json_string_value(v));
	if ((v = json_object_get(p, "resized")) != NULL) {
		from = json_object_get(v, "from");
		to = json_object_get(v, "to");
		snprintf(part[n++], sizeof(part[0]), "resized %lldx%lld to "
		    "%lldx%lld",
		    (long long)json_integer_value(json_array_get(from, 0)),
		    (long long)json_integer_value(json_array_get(from, 1)),
		    (long long)json_integer_value(json_array_get(to, 0)),
		    (long long)json_integer_value(json_array_get(to, 1)));
	}
	if ((v = json_object_get(p, "reencoded")) != NULL &&
	    json_object_get(v, "to") == NULL)
		snprintf(part[n++], sizeof(part[0]), "reencoded");
	else if (v != NULL)
		snprintf(part[n++], sizeof(part[0]), "reencoded %lld to %lld "
		    "bytes at quality %lld",
		    (long long)json_integer_value(json_object_get(v, "from")),
		    (long long)json_integer_value(json_object_get(v, "to")),
		    (long long)json_integer_value(json_object_get(v, "quality")));
	return fz_printf("%s%s%s%s%s", n > 0 ? part[0] : "",
	    n > 1 ? "; " : "", n > 1 ? part[1] : "", n > 2 ? "; " : "",
	    n > 2 ? part[2] : "");
}

char *
record_warnings_text(const json_t *rec)
{
	const json_t *w = json_object_get(rec, "warnings");
	size_t i, len = 0;
	const char *code;
	char *s;

	for (i = 0; i < json_array_size(w); i++)
		if ((code = json_string_value(json_object_get(
		    json_array_get(w, i), "code"))) != NULL)
			len += strlen(code) + 1;
	if ((s = calloc(1, len + 1)) == NULL)
		return NULL;
	for (i = 0; i < json_array_size(w); i++) {
		if ((code = json_string_value(json_object_get(
		    json_array_get(w, i), "code"))) == NULL)
			continue;
		if (*s != '\0')
			strcat(s, ";");
		strcat(s, code);
	}
	return s;
}
