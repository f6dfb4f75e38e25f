/* Unit tests for srv_answer.c: the envelope and every data field, error answers, base64, the upload checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <turbojpeg.h>

#include "gw_b64.h"
#include "srv_answer.h"
#include "unit.h"

struct buf {
	unsigned char *b;
	size_t n;
};

/* A w x h grey JPEG from TurboJPEG. */
static struct buf
grey_jpeg(int w, int h)
{
	struct buf r = { NULL, 0 };
	unsigned char *px = calloc((size_t)w * (size_t)h, 1), *jpg = NULL;
	unsigned long jlen = 0;
	tjhandle t = tjInitCompress();

	if (px == NULL || t == NULL ||
	    tjCompress2(t, px, w, 0, h, TJPF_GRAY, &jpg, &jlen, TJSAMP_GRAY, 50, 0) == -1) {
		fprintf(stderr, "cannot make a JPEG\n");
		exit(2);
	}
	r.b = malloc(jlen);
	memcpy(r.b, jpg, jlen);
	r.n = jlen;
	tjFree(jpg);
	tjDestroy(t);
	free(px);
	return r;
}

static int
is_sid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 24 || strncmp(s, "wcr", 3) != 0)
		return 0;
	for (i = 3; i < 24; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The base64 string decodes to exactly want[0..n). */
static int
b64_is(const char *s, const unsigned char *want, size_t n)
{
	unsigned char *out = NULL;
	size_t len = 0;
	struct fz_err err;
	int ok;

	if (s == NULL || strchr(s, '\n') != NULL ||
	    gw_b64_decode(s, strlen(s), &out, &len, &err) != 0)
		return 0;
	ok = len == n && memcmp(out, want, n) == 0;
	free(out);
	return ok;
}

static void
test_front(void)
{
	struct srv_result r;
	struct fz_err err;
	unsigned char portrait[300], crop[1000], num[5];
	json_t *j, *d;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(crop); i++)
		crop[i] = (unsigned char)(i * 7);
	memset(portrait, 0xAB, sizeof(portrait));
	memcpy(num, "\xff\xd8\x00\xff\xd9", 5);
	srv_result_init(&r);
	CHECK(r.complete && !r.head_covered && r.error_code == 0);
	r.type = SRV_CARD_FRONT;
	r.name = strdup("张三");
	r.sex = strdup("男");
	r.people = strdup("汉");
	r.birthday = strdup("1992年8月22日");
	r.address = strdup("广东省广州市海珠区新港中路样本街1号");
	r.id_number = strdup("440105199208220038");
	r.head_blurred = true;
	r.gray_image = true;
	r.cropped_image.data = malloc(sizeof(crop));
	memcpy(r.cropped_image.data, crop, sizeof(crop));
	r.cropped_image.len = sizeof(crop);
	r.head_portrait.data = malloc(sizeof(portrait));
	memcpy(r.head_portrait.data, portrait, sizeof(portrait));
	r.head_portrait.len = sizeof(portrait);
	r.id_number_image.data = malloc(5);
	memcpy(r.id_number_image.data, num, 5);
	r.id_number_image.len = 5;
	r.time_preprocess_ms = 143;
	r.time_recognize_ms = 277;

	text = srv_answer_result(&r, &err);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	/* Compact, keys sorted, UTF-8 as is: the emulator's json.dumps(sort_keys=True). */
	{
		static const char head[] = "{\"code\":\"0\",\"data\":{\"address\":\"广东省";
		CHECK(strncmp(text, head, sizeof(head) - 1) == 0);
	}
	CHECK(strstr(text, "\"desc\":\"success\",\"sid\":\"wcr") != NULL);
	CHECK(strstr(text, ": ") == NULL && strstr(text, "\\u") == NULL);
	CHECK(strstr(text, "\"time_cost\":{\"preprocess\":143,\"recognize\":277},\"type\":\"第二代身份证\"}") != NULL);
	j = json_loads(text, 0, NULL);
	CHECK(j != NULL);
	d = json_object_get(j, "data");
	CHECK(json_object_size(j) == 4);
	CHECK_STR(str(j, "code"), "0");
	CHECK_STR(str(j, "desc"), "success");
	CHECK(is_sid(str(j, "sid")));
	CHECK(json_integer_value(json_object_get(d, "error_code")) == 0);
	CHECK_STR(str(d, "error_msg"), "ok");
	CHECK_STR(str(d, "type"), "第二代身份证");
	CHECK_STR(str(d, "name"), "张三");
	CHECK_STR(str(d, "sex"), "男");
	CHECK_STR(str(d, "people"), "汉");
	CHECK_STR(str(d, "birthday"), "1992年8月22日");
	CHECK_STR(str(d, "address"), "广东省广州市海珠区新港中路样本街1号");
	CHECK_STR(str(d, "id_number"), "440105199208220038");
	CHECK(json_is_false(json_object_get(d, "head_covered")));
	CHECK(json_is_true(json_object_get(d, "head_blurred")));
	CHECK(json_is_false(json_object_get(d, "border_covered")));
	CHECK(json_is_true(json_object_get(d, "gray_image")));
	CHECK(json_is_true(json_object_get(d, "complete")));
	CHECK(b64_is(str(d, "cropped_image"), crop, sizeof(crop)));
	CHECK(b64_is(str(d, "id_number_image"), num, 5));
	CHECK(b64_is(str(json_object_get(d, "head_portrait"), "image"), portrait, sizeof(portrait)));
	CHECK(json_object_size(json_object_get(d, "head_portrait")) == 1);
	CHECK(json_integer_value(json_object_get(json_object_get(d, "time_cost"), "preprocess")) == 143);
	CHECK(json_integer_value(json_object_get(json_object_get(d, "time_cost"), "recognize")) == 277);
	/* A front carries no back fields. */
	CHECK(json_object_get(d, "issue_authority") == NULL && json_object_get(d, "validity") == NULL);
	CHECK(json_object_size(d) == 18);
	json_decref(j);
	free(text);

	/* Two answers never share a sid. */
	{
		char *a = srv_answer_result(&r, &err), *b = srv_answer_result(&r, &err);
		json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
		CHECK(strcmp(str(ja, "sid"), str(jb, "sid")) != 0);
		json_decref(ja);
		json_decref(jb);
		free(a);
		free(b);
	}
	/* A field that is not UTF-8 cannot be answered: an error, not a broken answer. */
	free(r.name);
	r.name = strdup("\xff\xfe");
	CHECK(srv_answer_result(&r, &err) == NULL);
	CHECK(strstr(err.msg, "UTF-8") != NULL);
	srv_result_free(&r);
	CHECK(r.name == NULL && r.cropped_image.data == NULL && r.complete);
}

static void
test_back_and_errors(void)
{
	static const int codes[] = { 40002, 40004, 40005, 40006, 40007, 40008, 40009, 40010, 50004, 90099 };
	static const char *const msgs[] = { "missing parameter", "missing request body",
		"invalid image format", "invalid image size", "fail to recognize",
		"invalid content type", "corrupted request body", "fail to extract image",
		"timeout", "unknown" };
	struct srv_result r;
	struct fz_err err;
	json_t *j, *d;
	char *text, want[200];
	size_t i;

	srv_result_init(&r);
	r.type = SRV_CARD_BACK;
	r.issue_authority = strdup("广州市公安局海珠分局");
	r.validity = strdup("2015.03.01-2035.03.01");
	text = srv_answer_result(&r, &err);
	j = json_loads(text, 0, NULL);
	d = json_object_get(j, "data");
	CHECK_STR(str(d, "type"), "第二代身份证背面");
	CHECK_STR(str(d, "issue_authority"), "广州市公安局海珠分局");
	CHECK_STR(str(d, "validity"), "2015.03.01-2035.03.01");
	CHECK(json_object_get(d, "name") == NULL && json_object_get(d, "head_portrait") == NULL &&
	    json_object_get(d, "cropped_image") == NULL);
	json_decref(j);
	free(text);
	r.type = SRV_CARD_TEMPORARY;
	text = srv_answer_result(&r, &err);
	CHECK(strstr(text, "\"type\":\"临时身份证\"") != NULL);
	free(text);
	srv_result_free(&r);

	/* Every error answer: only error_code and error_msg, the page's text. */
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		text = srv_answer_error(codes[i], &err);
		snprintf(want, sizeof(want),
		    "{\"code\":\"0\",\"data\":{\"error_code\":%d,\"error_msg\":\"%s\"},"
		    "\"desc\":\"success\",\"sid\":\"wcr", codes[i], msgs[i]);
		CHECK(text != NULL && strncmp(text, want, strlen(want)) == 0);
		CHECK(text != NULL && strlen(text) == strlen(want) + 21 + 2);
		free(text);
		CHECK_STR(srv_answer_msg(codes[i]), msgs[i]);
	}
	CHECK_STR(srv_answer_msg(0), "ok");
	CHECK_STR(srv_answer_msg(12345), "unknown");
	/* The overload and store-down bodies are JSON in the platform envelope. */
	j = json_loads(srv_answer_busy, 0, NULL);
	CHECK(json_integer_value(json_object_get(j, "code")) == 50004);
	CHECK(json_is_null(json_object_get(j, "data")));
	json_decref(j);
	j = json_loads(srv_answer_store_down, 0, NULL);
	CHECK(json_integer_value(json_object_get(j, "code")) == 50001);
	json_decref(j);
}

static void
test_b64(void)
{
	unsigned char big[5000];
	char *s;
	size_t i;

	s = srv_answer_b64((const unsigned char *)"", 0);
	CHECK_STR(s, "");
	free(s);
	s = srv_answer_b64((const unsigned char *)"abc", 3);
	CHECK_STR(s, "YWJj");
	free(s);
	s = srv_answer_b64((const unsigned char *)"ab", 2);
	CHECK_STR(s, "YWI=");
	free(s);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 31 + 5);
	/* libb64 breaks lines at 72 characters; the answer has none. */
	s = srv_answer_b64(big, sizeof(big));
	CHECK(s != NULL && strlen(s) == (sizeof(big) + 2) / 3 * 4);
	CHECK(b64_is(s, big, sizeof(big)));
	free(s);
}

static void
test_precheck(void)
{
	struct buf ok = grey_jpeg(320, 200), wide = grey_jpeg(4001, 120),
		   small = grey_jpeg(300, 99), edge = grey_jpeg(4000, 100);
	unsigned char *big, nosof[] = { 0xFF, 0xD8, 0xFF, 0xFE, 0, 4, 'h', 'i', 0xFF, 0xD9 };

	CHECK(srv_answer_precheck(ok.b, ok.n) == 0);
	CHECK(srv_answer_precheck(edge.b, edge.n) == 0);
	CHECK(srv_answer_precheck(NULL, 0) == SRV_E_NO_BODY);
	CHECK(srv_answer_precheck((const unsigned char *)"GIF89a....", 10) == SRV_E_NOT_IMAGE);
	CHECK(srv_answer_precheck(ok.b, 1) == SRV_E_NOT_IMAGE);
	CHECK(srv_answer_precheck(ok.b, ok.n / 2) == SRV_E_CORRUPT);
	CHECK(srv_answer_precheck(nosof, sizeof(nosof)) == SRV_E_EXTRACT);
	CHECK(srv_answer_precheck(wide.b, wide.n) == SRV_E_SIZE);
	CHECK(srv_answer_precheck(small.b, small.n) == SRV_E_SIZE);
	/* Over 3 MiB: refused on the byte count (the JPEG after it does not matter). */
	big = calloc(SRV_MAX_IMAGE_BYTES + 1, 1);
	memcpy(big, ok.b, ok.n);
	CHECK(srv_answer_precheck(big, SRV_MAX_IMAGE_BYTES + 1) == SRV_E_SIZE);
	CHECK(srv_answer_precheck(big, SRV_MAX_IMAGE_BYTES) == 0); /* bytes after EOI are allowed */
	free(big);
	free(ok.b);
	free(wide.b);
	free(small.b);
	free(edge.b);
}

int
main(void)
{
	test_front();
	test_back_and_errors();
	test_b64();
	test_precheck();
	return unit_done("srv_answer");
}
