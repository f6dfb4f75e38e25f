/* Unit tests for the output modules and the display width: exact text for every format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "out.h"
#include "record.h"
#include "unit.h"
#include "width.h"

/* A front-side record with CJK text, a two-line address, flags and one saved image. */
static json_t *
rec_front(void)
{
	json_t *r = record_new("a.jpg");

	json_object_set_new(r, "side", json_string("front"));
	json_object_set_new(r, "type", json_string("第二代身份证"));
	json_object_set_new(r, "name", json_string("张三"));
	json_object_set_new(r, "sex", json_string("男"));
	json_object_set_new(r, "people", json_string("汉"));
	json_object_set_new(r, "birthday", json_string("1990-01-02"));
	json_object_set_new(r, "address", json_string("北京市\n朝阳区"));
	json_object_set_new(r, "id_number", json_string("11010519900102001X"));
	json_object_set_new(r, "head_covered", json_false());
	json_object_set_new(r, "head_blurred", json_false());
	json_object_set_new(r, "border_covered", json_true());
	json_object_set_new(r, "gray_image", json_false());
	json_object_set_new(r, "sid", json_string("s1"));
	json_object_set_new(r, "time_cost",
	    json_pack("{s:i, s:i}", "preprocess", 12, "recognize", 340));
	json_object_set_new(json_object_get(r, "images"), "cropped",
	    json_string("out/a.cropped.jpg"));
	return r;
}

/* A failed record whose file name and message need CSV quoting. */
static json_t *
rec_failed(const char *file)
{
	json_t *r = record_new(file);

	json_object_set_new(r, "name", json_string("Li"));
	record_set_error(r, "not_jpeg", "not a \"JPEG\", really");
	return r;
}

/* Render n records in format fmt; returns the text (caller frees) and the status in *rc. */
static char *
render(enum out_format fmt, json_t **recs, size_t n, int *rc)
{
	struct fz_err err = { "" };
	struct out *o;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp;

	*rc = -1;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if ((o = out_new(fmt, fp, &err)) != NULL) {
		*rc = 0;
		for (i = 0; i < n && *rc == 0; i++)
			*rc = out_record(o, recs[i], &err);
		if (*rc == 0)
			*rc = out_finish(o, &err);
		out_free(o);
	}
	if (*rc != 0)
		fprintf(stderr, "render: %s\n", err.msg);
	fclose(fp);
	return buf;
}

static void
test_width(void)
{
	CHECK(width_str("") == 0);
	CHECK(width_str("abc") == 3);
	CHECK(width_str("张三") == 4);
	CHECK(width_str("Li 张三") == 7);
	CHECK(width_str("ＡＢ") == 4);                  /* fullwidth FF21 FF22 */
	CHECK(width_str("￥") == 2);                    /* FFE5 */
	CHECK(width_str("ｱ") == 1);                     /* halfwidth katakana FF71 */
	CHECK(width_str("。「」") == 6);                /* CJK punctuation */
	CHECK(width_str("アいう") == 6);               /* katakana, hiragana */
	CHECK(width_str("한국") == 4);                  /* Hangul syllables */
	CHECK(width_str("\xf0\xa0\x80\x80") == 2);      /* U+20000, extension B */
	CHECK(width_str("\xf0\xb0\x80\x80") == 2);      /* U+30000, extension G */
	CHECK(width_str("\xf0\x9f\x98\x80") == 2);      /* U+1F600 emoji */
	CHECK(width_str("e\xcc\x81") == 1);             /* e + combining acute */
	CHECK(width_str("\xe3\x82\x99") == 0);          /* U+3099 combining kana mark */
	CHECK(width_str("a\xe2\x80\x8b" "b") == 2);     /* zero width space */
	CHECK(width_str("a\tb\n") == 2);                /* controls take nothing */
	CHECK(width_str("\xc2\x85") == 0);              /* C1 control NEL */
	CHECK(width_str("\xff\xfe") == 2);              /* invalid bytes: 1 each */
	CHECK(width_str("\xe4\xb8") == 2);              /* truncated sequence */
	CHECK(width_str("\xc0\x80") == 2);              /* overlong NUL */
	CHECK(width_str("\xed\xa0\x80") == 3);          /* surrogate */
	CHECK(width_str("\xf4\x90\x80\x80") == 4);      /* past U+10FFFF */
	CHECK(width_str("\xe4\xb8" "a") == 3);          /* bad lead, then ASCII */
	CHECK(width_mem("张三", 3) == 2);
	CHECK(width_cp(0x4e00) == 2 && width_cp(0x9fff) == 2);
	CHECK(width_cp(0x3400) == 2 && width_cp(0x3000) == 2);
	CHECK(width_cp(0xac00) == 2 && width_cp(0xd7a3) == 2);
	CHECK(width_cp(0xff01) == 2 && width_cp(0xff60) == 2 &&
	    width_cp(0xff61) == 1);
	CHECK(width_cp(0xffe0) == 2 && width_cp(0xffe6) == 2);
	CHECK(width_cp(0x1160) == 0 && width_cp(0x00ad) == 1);
	CHECK(width_cp(0x00e9) == 1 && width_cp(0x0416) == 1);
	CHECK(width_cp(0x7f) == 0 && width_cp(0x00) == 0);
}

static void
test_table(void)
{
	json_t *recs[2];
	char *s;
	int rc;

	recs[0] = rec_front();
	json_object_set_new(recs[0], "raw", json_string("RAWDATA"));
	recs[1] = record_new("bb.jpg");
	json_object_set_new(recs[1], "name", json_string("Li"));
	record_set_error(recs[1], "not_jpeg", "not a JPEG file");
	s = render(FORMAT_TABLE, recs, 2, &rc);
	CHECK(rc == 0);
	/* 张三 is four columns wide, so "Li" gets two more spaces than it. */
	CHECK_STR(s,
	    "FILE    SIDE   NAME  SEX  PEOPLE  BIRTHDAY    ID_NUMBER           "
	    "ADDRESS        ISSUE_AUTHORITY  VALIDITY  STATUS\n"
	    "a.jpg   front  张三  男   汉      1990-01-02  11010519900102001X  "
	    "北京市 朝阳区  -                -         ok\n"
	    "bb.jpg  -      Li    -    -       -           -                   "
	    "-              -                -         error not_jpeg: not a JPEG file\n");
	CHECK(s != NULL && strstr(s, "RAW") == NULL);
	free(s);

	/* An empty run shows the header alone. */
	s = render(FORMAT_TABLE, NULL, 0, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, "FILE  SIDE  NAME  SEX  PEOPLE  BIRTHDAY  ID_NUMBER  "
	    "ADDRESS  ISSUE_AUTHORITY  VALIDITY  STATUS\n");
	free(s);
	json_decref(recs[0]);
	json_decref(recs[1]);

	/* A tab and a trailing CR/LF in cells: spaces inside, nothing at the end. */
	recs[0] = record_new("t.jpg");
	json_object_set_new(recs[0], "name", json_string("a\tb"));
	record_set_error(recs[0], "x", "line one\r\n");
	s = render(FORMAT_TABLE, recs, 1, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, "FILE   SIDE  NAME  SEX  PEOPLE  BIRTHDAY  ID_NUMBER  "
	    "ADDRESS  ISSUE_AUTHORITY  VALIDITY  STATUS\n"
	    "t.jpg  -     a b   -    -       -         -          "
	    "-        -                -         error x: line one\n");
	free(s);
	json_decref(recs[0]);
}

#define CSV_HEADER \
	"file,side,type,name,sex,people,birthday,address,id_number," \
	"issue_authority,validity,head_covered,head_blurred,border_covered," \
	"gray_image,sid,time_cost_preprocess,time_cost_recognize," \
	"cropped_image,portrait_image,id_number_image,sha256,prepared," \
	"warnings,error_code,error_message\r\n"

static void
test_csv(void)
{
	json_t *recs[2];
	char *s;
	int rc;

	recs[0] = rec_front();
	json_object_set_new(recs[0], "raw", json_string("RAWDATA"));
	recs[1] = rec_failed("b,\"x\".jpg");
	s = render(FORMAT_CSV, recs, 2, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, CSV_HEADER
	    "a.jpg,front,第二代身份证,张三,男,汉,1990-01-02,\"北京市\n朝阳区\","
	    "11010519900102001X,,,false,false,true,false,s1,12,340,"
	    "out/a.cropped.jpg,,,,,,,\r\n"
	    "\"b,\"\"x\"\".jpg\",,,Li,,,,,,,,,,,,,,,,,,,,,not_jpeg,"
	    "\"not a \"\"JPEG\"\", really\"\r\n");
	CHECK(s != NULL && strstr(s, "RAW") == NULL);
	free(s);

	/* An empty run still prints the header. */
	s = render(FORMAT_CSV, NULL, 0, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, CSV_HEADER);
	free(s);
	json_decref(recs[0]);
	json_decref(recs[1]);

	/* Keys missing from the record are empty; a bare CR is quoted. */
	recs[0] = json_pack("{s:s, s:s}", "file", "m.jpg", "address", "x\ry");
	s = render(FORMAT_CSV, recs, 1, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, CSV_HEADER "m.jpg,,,,,,,\"x\ry\",,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	json_decref(recs[0]);
}

static const char json_front[] =
    "  {\n"
    "    \"file\": \"a.jpg\",\n"
    "    \"side\": \"front\",\n"
    "    \"type\": \"第二代身份证\",\n"
    "    \"name\": \"张三\",\n"
    "    \"sex\": \"男\",\n"
    "    \"people\": \"汉\",\n"
    "    \"birthday\": \"1990-01-02\",\n"
    "    \"address\": \"北京市\\n朝阳区\",\n"
    "    \"id_number\": \"11010519900102001X\",\n"
    "    \"issue_authority\": null,\n"
    "    \"validity\": null,\n"
    "    \"head_covered\": false,\n"
    "    \"head_blurred\": false,\n"
    "    \"border_covered\": true,\n"
    "    \"gray_image\": false,\n"
    "    \"sid\": \"s1\",\n"
    "    \"time_cost\": {\n"
    "      \"preprocess\": 12,\n"
    "      \"recognize\": 340\n"
    "    },\n"
    "    \"images\": {\n"
    "      \"cropped\": \"out/a.cropped.jpg\"\n"
    "    },\n"
    "    \"sha256\": null,\n"
    "    \"prepared\": null,\n"
    "    \"warnings\": [],\n"
    "    \"error\": null\n"
    "  }";

static const char json_failed[] =
    "  {\n"
    "    \"file\": \"b.jpg\",\n"
    "    \"side\": null,\n"
    "    \"type\": null,\n"
    "    \"name\": \"Li\",\n"
    "    \"sex\": null,\n"
    "    \"people\": null,\n"
    "    \"birthday\": null,\n"
    "    \"address\": null,\n"
    "    \"id_number\": null,\n"
    "    \"issue_authority\": null,\n"
    "    \"validity\": null,\n"
    "    \"head_covered\": null,\n"
    "    \"head_blurred\": null,\n"
    "    \"border_covered\": null,\n"
    "    \"gray_image\": null,\n"
    "    \"sid\": null,\n"
    "    \"time_cost\": null,\n"
    "    \"images\": {},\n"
    "    \"sha256\": null,\n"
    "    \"prepared\": null,\n"
    "    \"warnings\": [],\n"
    "    \"error\": {\n"
    "      \"code\": \"not_jpeg\",\n"
    "      \"message\": \"not a \\\"JPEG\\\", really\"\n"
    "    }\n"
    "  }";

static void
test_json(void)
{
	json_t *recs[2], *arr;
	char *s, *want, *ref;
	int rc;

	s = render(FORMAT_JSON, NULL, 0, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, "[]\n");
	free(s);

	recs[0] = rec_front();
	recs[1] = rec_failed("b.jpg");
	s = render(FORMAT_JSON, recs, 2, &rc);
	CHECK(rc == 0);
	want = fz_printf("[\n%s,\n%s\n]\n", json_front, json_failed);
	CHECK_STR(s, want);
	/* Streaming record by record gives what jansson prints for the whole array. */
	arr = json_pack("[O, O]", recs[0], recs[1]);
	ref = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	free(want);
	want = fz_printf("%s\n", ref);
	CHECK_STR(s, want);
	free(want);
	free(ref);
	free(s);
	json_decref(arr);

	s = render(FORMAT_JSON, recs, 1, &rc);
	CHECK(rc == 0);
	want = fz_printf("[\n%s\n]\n", json_front);
	CHECK_STR(s, want);
	free(want);
	free(s);
	json_decref(recs[0]);
	json_decref(recs[1]);
}

static void
test_ndjson(void)
{
	json_t *recs[2];
	char *s;
	int rc;

	recs[0] = rec_front();
	recs[1] = rec_failed("b.jpg");
	json_object_set_new(recs[1], "raw", json_pack("{s:i}", "code", 1));
	s = render(FORMAT_NDJSON, recs, 2, &rc);
	CHECK(rc == 0);
	CHECK_STR(s,
	    "{\"file\":\"a.jpg\",\"side\":\"front\",\"type\":\"第二代身份证\","
	    "\"name\":\"张三\",\"sex\":\"男\",\"people\":\"汉\","
	    "\"birthday\":\"1990-01-02\",\"address\":\"北京市\\n朝阳区\","
	    "\"id_number\":\"11010519900102001X\",\"issue_authority\":null,"
	    "\"validity\":null,\"head_covered\":false,\"head_blurred\":false,"
	    "\"border_covered\":true,\"gray_image\":false,\"sid\":\"s1\","
	    "\"time_cost\":{\"preprocess\":12,\"recognize\":340},"
	    "\"images\":{\"cropped\":\"out/a.cropped.jpg\"},\"sha256\":null,"
	    "\"prepared\":null,\"warnings\":[],\"error\":null}\n"
	    "{\"file\":\"b.jpg\",\"side\":null,\"type\":null,\"name\":\"Li\","
	    "\"sex\":null,\"people\":null,\"birthday\":null,\"address\":null,"
	    "\"id_number\":null,\"issue_authority\":null,\"validity\":null,"
	    "\"head_covered\":null,\"head_blurred\":null,"
	    "\"border_covered\":null,\"gray_image\":null,\"sid\":null,"
	    "\"time_cost\":null,\"images\":{},\"sha256\":null,"
	    "\"prepared\":null,\"warnings\":[],\"error\":{\"code\":\"not_jpeg\","
	    "\"message\":\"not a \\\"JPEG\\\", really\"},\"raw\":{\"code\":1}}\n");
	free(s);

	s = render(FORMAT_NDJSON, NULL, 0, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, "");
	free(s);
	json_decref(recs[0]);
	json_decref(recs[1]);
}

/* Every format reports a full disk as -1 with "write error: ...". */
static void
test_write_error(void)
{
	static const enum out_format fmts[] = {
		FORMAT_TABLE, FORMAT_JSON, FORMAT_NDJSON, FORMAT_CSV
	};
	struct fz_err err;
	struct out *o;
	json_t *rec = rec_front();
	FILE *fp;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if ((fp = fopen("/dev/full", "w")) == NULL) {
			CHECK(!"cannot open /dev/full");
			break;
		}
		strcpy(err.msg, "");
		o = out_new(fmts[i], fp, &err);
		CHECK(o != NULL);
		if (o == NULL) {
			fclose(fp);
			continue;
		}
		rc = out_record(o, rec, &err);
		if (rc == 0)
			rc = out_finish(o, &err);
		CHECK(rc == -1);
		CHECK_STR(err.msg, "write error: No space left on device");
		out_free(o);
		fclose(fp);
	}

	/* The format must be chosen before out_new. */
	strcpy(err.msg, "");
	CHECK(out_new(FORMAT_AUTO, stdout, &err) == NULL);
	CHECK(err.msg[0] != '\0');
	json_decref(rec);
}

int
main(void)
{
	test_width();
	test_table();
	test_csv();
	test_json();
	test_ndjson();
	test_write_error();
	return unit_done("out");
}
