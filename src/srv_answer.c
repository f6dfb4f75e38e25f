/* The server's answers in the recogniser's iFlytek envelope, built from a struct srv_result with jansson and libb64. */
#include "srv_answer.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <b64/cencode.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "jpeg.h"

const char srv_answer_busy[] =
    "{\"code\":50004,\"data\":null,\"message\":\"接口正被频繁调用，请稍后再试\"}";
const char srv_answer_store_down[] =
    "{\"code\":50001,\"data\":null,\"message\":\"backend down\"}";

static const struct {
	int code;
	const char *msg;
} messages[] = {
	{ 0, "ok" },
	{ 40001, "invalid parameter" },
	{ 40002, "missing parameter" },
	{ 40003, "invalid user or password" },
	{ 40004, "missing request body" },
	{ 40005, "invalid image format" },
	{ 40006, "invalid image size" },
	{ 40007, "fail to recognize" },
	{ 40008, "invalid content type" },
	{ 40009, "corrupted request body" },
	{ 40010, "fail to extract image" },
	{ 50001, "backend down" },
	{ 50004, "timeout" },
	{ 90099, "unknown" },
};

const char *
srv_answer_msg(int error_code)
{
	size_t i;

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].code == error_code)
			return messages[i].msg;
	return "unknown";
}

void
srv_result_init(struct srv_result *r)
{
	memset(r, 0, sizeof(*r));
	/* The page: "complete" is reserved, and the service always sends true. */
	r->complete = true;
}

void
srv_result_free(struct srv_result *r)
{
	char **s[] = { &r->name, &r->sex, &r->people, &r->birthday,
		&r->address, &r->id_number, &r->issue_authority, &r->validity };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
	free(r->cropped_image.data);
	free(r->id_number_image.data);
	free(r->head_portrait.data);
	srv_result_init(r);
}

char *
srv_answer_b64(const unsigned char *data, size_t len)
{
	base64_encodestate st;
	size_t cap, n, i, j;
	char *out;

	/* libb64 takes an int length and breaks lines every 72 characters: room for both. */
	if (len > INT_MAX / 2)
		return NULL;
	cap = (len + 2) / 3 * 4;
	cap += cap / 72 + 4;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	base64_init_encodestate(&st);
	n = (size_t)base64_encode_block((const char *)data, (int)len, out, &st);
	n += (size_t)base64_encode_blockend(out + n, &st);
	/* The service sends base64 on one line, as Java's encoder writes it. */
	for (i = j = 0; i < n; i++)
		if (out[i] != '\n' && out[i] != '\r')
			out[j++] = out[i];
	out[j] = '\0';
	return out;
}

int
srv_answer_sid(char out[25])
{
	unsigned char rnd[11];
	char hex[23];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	fz_hex(rnd, sizeof(rnd), hex);
	memcpy(out, "wcr", 3);
	memcpy(out + 3, hex, 21);
	out[24] = '\0';
	return 0;
}

static const char *
type_name(enum srv_card_type t)
{
	switch (t) {
	case SRV_CARD_BACK:
		return "第二代身份证背面";
	case SRV_CARD_TEMPORARY:
		return "临时身份证";
	case SRV_CARD_FRONT:
		break;
	}
	return "第二代身份证";
}

/* json_object_set_new that remembers a failure instead of checking every call. */
static void
put(json_t *o, const char *k, json_t *v, int *bad)
{
	if (v == NULL || json_object_set_new(o, k, v) == -1)
		*bad = 1;
}

static void
put_str(json_t *o, const char *k, const char *s, int *bad)
{
	if (s != NULL)
		put(o, k, json_string(s), bad);
}

static void
put_img(json_t *o, const char *k, const struct srv_image *im, int *bad)
{
	char *b;

	if (im->data == NULL)
		return;
	if ((b = srv_answer_b64(im->data, im->len)) == NULL) {
		*bad = 1;
		return;
	}
	put(o, k, json_string(b), bad);
	free(b);
}

static json_t *
result_data(const struct srv_result *r, int *bad)
{
	json_t *d, *tc, *hp;

	if ((d = json_object()) == NULL) {
		*bad = 1;
		return NULL;
	}
	put(d, "error_code", json_integer(r->error_code), bad);
	put(d, "error_msg", json_string(srv_answer_msg(r->error_code)), bad);
	if (r->error_code != 0)
		return d;
	put(d, "type", json_string(type_name(r->type)), bad);
	put_str(d, "name", r->name, bad);
	put_str(d, "sex", r->sex, bad);
	put_str(d, "people", r->people, bad);
	put_str(d, "birthday", r->birthday, bad);
	put_str(d, "address", r->address, bad);
	put_str(d, "id_number", r->id_number, bad);
	put_str(d, "issue_authority", r->issue_authority, bad);
	put_str(d, "validity", r->validity, bad);
	put(d, "head_covered", json_boolean(r->head_covered), bad);
	put(d, "head_blurred", json_boolean(r->head_blurred), bad);
	put(d, "border_covered", json_boolean(r->border_covered), bad);
	put(d, "gray_image", json_boolean(r->gray_image), bad);
	put(d, "complete", json_boolean(r->complete), bad);
	put_img(d, "cropped_image", &r->cropped_image, bad);
	put_img(d, "id_number_image", &r->id_number_image, bad);
	if (r->head_portrait.data != NULL) {
		if ((hp = json_object()) == NULL)
			*bad = 1;
		else {
			put_img(hp, "image", &r->head_portrait, bad);
			put(d, "head_portrait", hp, bad);
		}
	}
	if ((tc = json_object()) == NULL)
		*bad = 1;
	else {
		put(tc, "preprocess", json_integer(r->time_preprocess_ms), bad);
		put(tc, "recognize", json_integer(r->time_recognize_ms), bad);
		put(d, "time_cost", tc, bad);
	}
	return d;
}

char *
srv_answer_result(const struct srv_result *r, struct fz_err *err)
{
	json_t *env;
	char sid[25], *text = NULL;
	int bad = 0;

	if (srv_answer_sid(sid) == -1) {
		fz_seterr(err, "cannot get random bytes for the sid");
		return NULL;
	}
	if ((env = json_object()) == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	put(env, "code", json_string("0"), &bad);
	put(env, "data", result_data(r, &bad), &bad);
	put(env, "desc", json_string("success"), &bad);
	put(env, "sid", json_string(sid), &bad);
	/* The engine's strings must be valid UTF-8: jansson refuses others (NULL above). */
	if (!bad)
		text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(env);
	if (text == NULL)
		fz_seterr(err, "cannot build the answer (out of memory or "
		    "a field that is not UTF-8)");
	return text;
}

char *
srv_answer_error(int error_code, struct fz_err *err)
{
	struct srv_result r;

	srv_result_init(&r);
	r.error_code = error_code;
	return srv_answer_result(&r, err);
}

int
srv_answer_precheck(const unsigned char *img, size_t len)
{
	struct jpeg_info info;
	unsigned lo, hi;

	if (len == 0)
		return SRV_E_NO_BODY;
	if (len < 2 || img[0] != 0xFF || img[1] != 0xD8)
		return SRV_E_NOT_IMAGE;
	if (len > SRV_MAX_IMAGE_BYTES)
		return SRV_E_SIZE;
	switch (jpeg_probe(img, len, &info, NULL)) {
	case JPEG_OK:
		break;
	case JPEG_TRUNCATED:
		return SRV_E_CORRUPT;
	case JPEG_NOT_JPEG:
		return SRV_E_NOT_IMAGE;
	default:
		return SRV_E_EXTRACT;
	}
	lo = info.width < info.height ? info.width : info.height;
	hi = info.width < info.height ? info.height : info.width;
	if (hi > SRV_MAX_SIDE || lo < SRV_MIN_SIDE)
		return SRV_E_SIZE;
	return SRV_OK;
}
