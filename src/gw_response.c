/* Response parsing: HTTP status, iFlytek and platform envelopes, data.error_code. */
#include "gw_response.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_b64.h"
#include "jpeg.h"
#include "record.h"

/* From the service page's table of error_code values. */
static const struct {
	long code;
	const char *text;
} error_texts[] = {
	{ 40001, "invalid parameter" },
	{ 40002, "missing parameter" },
	{ 40003, "invalid user or password" },
	{ 40004, "missing request body" },
	{ 40005, "invalid image format: not an image or an unsupported format" },
	{ 40006, "invalid image size: too large or too small" },
	{ 40007, "fail to recognize: no ID card could be read in the image" },
	{ 40008, "invalid content type" },
	{ 40009, "corrupted request body" },
	{ 40010, "fail to extract image" },
	{ 50001, "backend down" },
	{ 50004, "recognition timed out" },
	{ 90099, "unknown error" },
};

const char *
resp_error_text(long code)
{
	size_t i;

	for (i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (error_texts[i].code == code)
			return error_texts[i].text;
	return NULL;
}

static void
set(struct resp_result *r, enum resp_verdict v, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set(struct resp_result *r, enum resp_verdict v, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	r->verdict = v;
	snprintf(r->code, sizeof(r->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

/*
 * A code given as a JSON string or integer, as text. Returns 0, or -1 when
 * it is neither (or a string that is not a plain integer).
 */
static int
code_text(const json_t *v, char *out, size_t outlen, long *num)
{
	const char *s;
	char *end;
	long n;

	if (json_is_integer(v)) {
		n = (long)json_integer_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		n = strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno != 0)
			return -1;
	} else {
		return -1;
	}
	snprintf(out, outlen, "%ld", n);
	*num = n;
	return 0;
}

/* A short printable excerpt of a body for messages. */
static void
excerpt(const char *body, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outlen && i < 80; i++) {
		unsigned char ch = (unsigned char)body[i];
		out[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void
parse_200(const char *body, size_t len, struct resp_result *r)
{
	json_error_t jerr;
	json_t *msg, *ec;
	const char *text;
	char code[32], ex[128];
	long num, ecn;

	r->charged = 1;
	r->root = json_loadb(body, len, 0, &jerr);
	if (r->root == NULL) {
		excerpt(body, len, ex, sizeof(ex));
		set(r, RESP_BAD, "bad_response", "the service answered HTTP 200 "
		    "with a body that is not JSON: %s", len ? ex : "(empty)");
		return;
	}
	if (!json_is_object(r->root)) {
		set(r, RESP_BAD, "bad_response", "the service answered HTTP 200 "
		    "with JSON that is not an object");
		return;
	}
	if (code_text(json_object_get(r->root, "code"), code, sizeof(code),
	    &num) == -1) {
		set(r, RESP_BAD, "bad_response", "the response has no usable "
		    "\"code\" (string or integer expected)");
		return;
	}
	/* The platform envelope says "message", the recogniser's says "desc". */
	msg = json_object_get(r->root, "message");
	if (!json_is_string(msg))
		msg = json_object_get(r->root, "desc");
	text = json_is_string(msg) ? json_string_value(msg) : "";

	switch (num) {
	case 0:
		break;
	case 50004:
		set(r, RESP_BUSY, code, "the service refused the call for rate "
		    "(one request a second for everyone; still charged): %s", text);
		return;
	case 50000:
	case 50002:
		set(r, RESP_BACKEND, code, "backend failure: %s", text);
		return;
	case 50003:
		r->charged = 0;
		set(r, RESP_NOT_GATEWAY, code, "the endpoint is the backend "
		    "service, not the gateway (%s): point --endpoint at the "
		    "gateway", text);
		return;
	case 1414:
		set(r, RESP_THROTTLED, code, "the gateway throttled the call: %s",
		    text);
		return;
	default:
		set(r, RESP_IMAGE_FAILED, code, "the recogniser refused the "
		    "request: %s", *text ? text : "no description");
		return;
	}

	r->data = json_object_get(r->root, "data");
	if (!json_is_object(r->data)) {
		r->data = NULL;
		set(r, RESP_BAD, "bad_response", "the response reports success "
		    "but its \"data\" is %s, not an object",
		    json_is_null(json_object_get(r->root, "data")) ? "null" :
		    json_object_get(r->root, "data") == NULL ? "missing" :
		    "of another type");
		return;
	}
	ec = json_object_get(r->data, "error_code");
	if (ec != NULL && !json_is_null(ec)) {
		if (code_text(ec, code, sizeof(code), &ecn) == -1) {
			set(r, RESP_BAD, "bad_response", "data.error_code is "
			    "neither an integer nor a numeric string");
			return;
		}
		if (ecn != 0) {
			const char *em = json_string_value(
			    json_object_get(r->data, "error_msg"));
			const char *why = resp_error_text(ecn);
			/* The page's explanation begins with the service's own words. */
			set(r, RESP_IMAGE_FAILED, code, "%s", why ? why :
			    em && *em ? em : "unknown error code");
			return;
		}
	}
	set(r, RESP_OK, "", "ok");
}

static int
contains(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

void
resp_parse(long status, const char *body, size_t len, struct resp_result *r)
{
	json_error_t jerr;
	json_t *j;
	char code[32];
	long num;

	memset(r, 0, sizeof(*r));
	if (status == 200) {
		parse_200(body, len, r);
		return;
	}
	if (status == 403) {
		set(r, RESP_AUTH, "auth", "the gateway refused the request "
		    "(HTTP 403): wrong access key or secret key, a stale "
		    "timestamp, a replayed nonce or a wrong path");
		return;
	}
	if (status == 401) {
		set(r, RESP_BLACKLIST, "blacklist", "the gateway has blacklisted "
		    "this address (HTTP 401%s%.*s); it is lifted 30 minutes "
		    "after the last throttling", len ? ": " : "",
		    (int)(len < 100 ? len : 100), body);
		return;
	}
	if (status == 500) {
		if (contains(body, len, "调用次数已用完")) {
			set(r, RESP_QUOTA, "quota", "the account's call quota is "
			    "used up (调用次数已用完)");
			return;
		}
		j = json_loadb(body, len, 0, &jerr);
		if (j != NULL && code_text(json_object_get(j, "code"), code,
		    sizeof(code), &num) == 0 && num == 1414) {
			json_decref(j);
			set(r, RESP_THROTTLED, "1414", "the gateway throttled the "
			    "call (1414 服务器限流); it also blacklists for 30 "
			    "minutes");
			return;
		}
		json_decref(j);
	}
	if (status >= 500 && status <= 599) {
		snprintf(code, sizeof(code), "http_%ld", status);
		set(r, RESP_SERVER, code, "the server answered HTTP %ld", status);
		return;
	}
	snprintf(code, sizeof(code), "http_%ld", status);
	set(r, RESP_NOT_GATEWAY, code, "the endpoint answered HTTP %ld, which "
	    "the Faiz gateway never sends for this path: check --endpoint",
	    status);
}

static const struct {
	const char *type;
	const char *side;
} sides[] = {
	{ "第二代身份证", "front" },
	{ "第二代身份证背面", "back" },
	{ "临时身份证", "temporary" },
};

/* A JSON string into a result's text; 0 or -1 (out of memory). */
static int
take_text(struct recog_text *t, const json_t *v)
{
	return recog_text_set(t, json_string_value(v), json_string_length(v));
}

int
resp_fill_result(struct resp_result *r, struct recog_result *out)
{
	static const char *const flags[] = { "head_covered", "head_blurred",
		"border_covered", "gray_image", NULL };
	static const char *const images[] = { "cropped_image",
		"id_number_image", NULL };
	json_t *v, *tc, *sid;
	const char *type;
	size_t i;

	for (i = 0; record_text_fields[i] != NULL; i++) {
		v = json_object_get(r->data, record_text_fields[i]);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v))
			goto badtype_str;
		if (take_text(&out->text[i], v) == -1)
			goto nomem;
	}
	v = json_object_get(r->data, "type");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			set(r, RESP_BAD, "bad_response", "data.type is not a string");
			return -1;
		}
		type = json_string_value(v);
		if (take_text(&out->type, v) == -1)
			goto nomem;
		for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++)
			if (strcmp(type, sides[i].type) == 0)
				out->side = sides[i].side;
	}
	for (i = 0; flags[i] != NULL; i++) {
		v = json_object_get(r->data, flags[i]);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_boolean(v)) {
			set(r, RESP_BAD, "bad_response", "data.%s is not a "
			    "boolean", flags[i]);
			return -1;
		}
		out->flags[i] = json_is_true(v);
	}
	tc = json_object_get(r->data, "time_cost");
	if (json_is_object(tc)) {
		json_t *pre = json_object_get(tc, "preprocess");
		json_t *recg = json_object_get(tc, "recognize");
		if ((pre && !json_is_integer(pre)) ||
		    (recg && !json_is_integer(recg))) {
			set(r, RESP_BAD, "bad_response", "data.time_cost holds "
			    "something other than integers");
			return -1;
		}
		out->has_time_cost = 1;
		out->has_preprocess = pre != NULL;
		out->has_recognize = recg != NULL;
		out->preprocess = pre ? (long long)json_integer_value(pre) : 0;
		out->recognize = recg ? (long long)json_integer_value(recg) : 0;
	} else if (tc != NULL && !json_is_null(tc)) {
		set(r, RESP_BAD, "bad_response", "data.time_cost is not an "
		    "object");
		return -1;
	}
	/* The images are only decoded by --save-images, but a wrong type is a
	 * broken answer whether or not they are saved. */
	for (i = 0; images[i] != NULL; i++) {
		v = json_object_get(r->data, images[i]);
		if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
			set(r, RESP_BAD, "bad_response", "data.%s is not a "
			    "string", images[i]);
			return -1;
		}
	}
	v = json_object_get(r->data, "head_portrait");
	if (v != NULL && !json_is_null(v)) {
		json_t *img = json_object_get(v, "image");
		if (!json_is_object(v)) {
			set(r, RESP_BAD, "bad_response", "data.head_portrait is "
			    "not an object");
			return -1;
		}
		if (img != NULL && !json_is_null(img) && !json_is_string(img)) {
			set(r, RESP_BAD, "bad_response", "data.head_portrait.image "
			    "is not a string");
			return -1;
		}
	}
	sid = json_object_get(r->root, "sid");
	if (json_is_string(sid) && take_text(&out->sid, sid) == -1)
		goto nomem;
	return 0;

badtype_str:
	set(r, RESP_BAD, "bad_response", "data.%s is not a string",
	    record_text_fields[i]);
	return -1;
nomem:
	set(r, RESP_BAD, "bad_response", "out of memory");
	return -1;
}

/* The base64 text of one image in data, or NULL when absent. */
static const json_t *
image_text(const json_t *data, enum recog_image_kind k)
{
	const json_t *v = NULL, *hp;

	switch (k) {
	case RECOG_IMG_CROPPED:
		v = json_object_get(data, "cropped_image");
		break;
	case RECOG_IMG_PORTRAIT:
		hp = json_object_get(data, "head_portrait");
		if (json_is_object(hp))
			v = json_object_get(hp, "image");
		break;
	default:
		v = json_object_get(data, "id_number_image");
		break;
	}
	/* The back of a card has no portrait: null or "" mean no image. */
	if (!json_is_string(v) || json_string_length(v) == 0)
		return NULL;
	return v;
}

int
resp_images(const json_t *data, unsigned kinds, struct recog_result *out,
    struct fz_err *err)
{
	static const char *const names[RECOG_NIMAGES] = { "cropped",
		"portrait", "id_number" };
	const json_t *v;
	size_t i;

	for (i = 0; i < RECOG_NIMAGES; i++) {
		if (!(kinds & (1u << i)) || (v = image_text(data,
		    (enum recog_image_kind)i)) == NULL)
			continue;
		switch (gw_b64_decode(json_string_value(v),
		    json_string_length(v), &out->images[i].data,
		    &out->images[i].len, err)) {
		case GW_B64_OK:
			break;
		case GW_B64_TOO_LARGE:
			fz_seterr(err, "returned %s image is too large",
			    names[i]);
			return RESP_IMG_BAD;
		case GW_B64_NOMEM:
			fz_seterr(err, "out of memory");
			return RESP_IMG_NOMEM;
		default:
			fz_seterr(err, "returned %s image is not valid base64",
			    names[i]);
			return RESP_IMG_BAD;
		}
		/* Checked here too, so that with two broken images the first
		 * one's fault is the one reported, as the save module would. */
		if (jpeg_probe(out->images[i].data, out->images[i].len, NULL,
		    NULL) != JPEG_OK) {
			fz_seterr(err, "returned %s image is not a JPEG",
			    names[i]);
			return RESP_IMG_BAD;
		}
	}
	return RESP_IMG_OK;
}

void
resp_free(struct resp_result *r)
{
	json_decref(r->root);
	r->root = NULL;
	r->data = NULL;
}
