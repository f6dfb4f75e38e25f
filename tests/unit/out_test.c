/* Unit tests for the output modules and the display width: exact text for every format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "out.h"
#include "record.h"
#include "unit.h"
#include "width.h"

/* A front-side record with CJK text, a two-line address, flags and one saved image. */
static json_t *
rec_front(void)
{
	json_t *r = record_new("a.jpg", "faiz");

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
	json_t *r = record_new(file, "faiz");

	json_object_set_new(r, "name", json_string("Li"));
	record_set_error(r, "not_jpeg", "not a \"JPEG\", really");
	return r;
}

/* Render n records in format fmt with settings oo; returns the text (caller frees) and the status in *rc. */
static char *
render_opts(enum out_format fmt, const struct out_opts *oo, json_t **recs,
    size_t n, int *rc)
{
	struct fz_err err = { "", 0 };
	struct out *o;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp;

	*rc = -1;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if ((o = out_new(fmt, fp, oo, &err)) != NULL) {
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

static char *
render(enum out_format fmt, json_t **recs, size_t n, int *rc)
{
	return render_opts(fmt, NULL, recs, n, rc);
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

/* Issue F.22: shortening by display width, and sharing out a line. */
static void
test_fit(void)
{
	static const size_t want[] = { 20, 5, 6, 3, 50, 18 };
	static const int flex[] = { 1, 0, 0, 0, 1, 0 };
	size_t got[6], i, sum;
	char *s;
	unsigned trial;

	s = width_trunc("abcdef", 4, 0);
	CHECK_STR(s, "abc\xe2\x80\xa6");
	free(s);
	s = width_trunc("abcdef", 6, 0);
	CHECK_STR(s, "abcdef");
	free(s);
	/* A wide character that does not fit whole is left out, not cut. */
	s = width_trunc("广东省广州市", 6, 0);
	CHECK_STR(s, "广东\xe2\x80\xa6");
	CHECK(s != NULL && width_str(s) == 5);
	free(s);
	s = width_trunc("a广东省", 3, 0);
	CHECK_STR(s, "a\xe2\x80\xa6");
	free(s);
	/* Combining marks stay with their letter. */
	s = width_trunc("e\xcc\x81" "e\xcc\x81" "e\xcc\x81", 2, 0);
	CHECK_STR(s, "e\xcc\x81" "\xe2\x80\xa6");
	free(s);
	/* keep_end: the end of a path, its file name, is kept. */
	s = width_trunc("/data/scans/card_0001.jpg", 14, 1);
	CHECK_STR(s, "\xe2\x80\xa6" "card_0001.jpg");
	free(s);
	s = width_trunc("照片/张三正面.jpg", 8, 1);
	CHECK_STR(s, "\xe2\x80\xa6" "面.jpg");
	CHECK(s != NULL && width_str(s) == 7);
	free(s);
	s = width_trunc("abc", 1, 0);
	CHECK_STR(s, "\xe2\x80\xa6");
	free(s);

	/* Fits, or no limit: as wanted. */
	width_fit(want, flex, 6, 2, 200, got);
	CHECK(got[0] == 20 && got[4] == 50 && got[5] == 18);
	width_fit(want, flex, 6, 2, 0, got);
	CHECK(got[4] == 50);
	/* 80 columns: 10 of gaps, 70 shared; the free text gives way first. */
	width_fit(want, flex, 6, 2, 80, got);
	for (sum = 0, i = 0; i < 6; i++)
		sum += got[i];
	CHECK(sum == 70);
	CHECK(got[1] == 5 && got[2] == 6 && got[3] == 3 && got[5] == 18);
	CHECK(got[0] == 19 && got[4] == 19);
	/* 50: the free text at its floor is not enough; all give way. */
	width_fit(want, flex, 6, 2, 50, got);
	for (sum = 0, i = 0; i < 6; i++)
		sum += got[i];
	CHECK(sum == 40);
	CHECK(got[0] <= 6 && got[4] <= 6 && got[5] < 18 && got[3] == 3);
	/* Too narrow even for the floors: the floors. */
	width_fit(want, flex, 6, 2, 10, got);
	CHECK(got[0] == 3 && got[1] == 3 && got[3] == 3 && got[4] == 3);
	/* Property: never wider than the line (when the floors fit), never wider
	 * than wanted, never below the floor, fixed columns whole while the
	 * flexible ones are above their floor. */
	srand(7);
	for (trial = 0; trial < 20000; trial++) {
		size_t w[11], g[11], n = 1 + (size_t)rand() % 11, tot, floors = 0;
		int fl[11], ok = 1;

		tot = (size_t)rand() % 250;
		for (i = 0; i < n; i++) {
			w[i] = (size_t)rand() % 80;
			fl[i] = rand() % 2;
			floors += w[i] < WIDTH_FLOOR ? w[i] : WIDTH_FLOOR;
		}
		width_fit(w, fl, n, 2, tot, g);
		for (sum = 0, i = 0; i < n; i++) {
			sum += g[i];
			if (g[i] > w[i] ||
			    g[i] < (w[i] < WIDTH_FLOOR ? w[i] : WIDTH_FLOOR))
				ok = 0;
		}
		for (i = 0; i < n; i++)
			if (fl[i] && g[i] > WIDTH_FLEX_FLOOR && g[i] < w[i]) {
				size_t j;

				for (j = 0; j < n; j++)
					if (!fl[j] && g[j] != w[j])
						ok = 0;
			}
		if (tot > 0 && floors + 2 * (n - 1) <= tot &&
		    sum + 2 * (n - 1) > tot)
			ok = 0;
		CHECK(ok);
	}
}

static void
test_table(void)
{
	json_t *recs[2];
	char *s;
	int rc;

	recs[0] = rec_front();
	json_object_set_new(recs[0], "raw", json_string("RAWDATA"));
	recs[1] = record_new("bb.jpg", "faiz");
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
	recs[0] = record_new("t.jpg", "faiz");
	json_object_set_new(recs[0], "name", json_string("a\tb"));
	/* A right-to-left override and an isolate (F.14): spaces too. */
	json_object_set_new(recs[0], "side", json_string("x\xe2\x80\xaey"
	    "\xe2\x81\xa6"));
	record_set_error(recs[0], "x", "line one\r\n");
	s = render(FORMAT_TABLE, recs, 1, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, "FILE   SIDE   NAME  SEX  PEOPLE  BIRTHDAY  ID_NUMBER  "
	    "ADDRESS  ISSUE_AUTHORITY  VALIDITY  STATUS\n"
	    "t.jpg  x   y  a b   -    -       -         -          "
	    "-        -                -         error x: line one\n");
	free(s);
	json_decref(recs[0]);
}

#define CSV_HEADER \
	"file,side,type,name,sex,people,birthday,address,id_number," \
	"issue_authority,validity,head_covered,head_blurred,border_covered," \
	"gray_image,sid,time_cost_preprocess,time_cost_recognize," \
	"cropped_image,portrait_image,id_number_image,sha256,prepared,warnings," \
	"error_code,error_message,engine,card_index,card_count\r\n"

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
	    "\t11010519900102001X,,,false,false,true,false,s1,12,340,"
	    "out/a.cropped.jpg,,,,,,,,faiz,,\r\n"
	    "\"b,\"\"x\"\".jpg\",,,Li,,,,,,,,,,,,,,,,,,,,,not_jpeg,"
	    "\"not a \"\"JPEG\"\", really\",faiz,,\r\n");
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
	CHECK_STR(s, CSV_HEADER "m.jpg,,,,,,,\"x\ry\",,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	json_decref(recs[0]);
}

/* The row of a one-record CSV (the header dropped, CRLF kept). */
static char *
csv_row(json_t *rec)
{
	char *s, *row = NULL;
	int rc;

	s = render(FORMAT_CSV, &rec, 1, &rc);
	CHECK(rc == 0);
	if (s != NULL && strncmp(s, CSV_HEADER, strlen(CSV_HEADER)) == 0)
		row = fz_strdup(s + strlen(CSV_HEADER));
	free(s);
	json_decref(rec);
	return row;
}

static void
test_csv_bom(void)
{
	struct out_opts oo = { 1, NULL, 0 };
	json_t *rec = rec_front();
	char *s;
	int rc;

	/* The three bytes EF BB BF, then the header, once. */
	s = render_opts(FORMAT_CSV, &oo, &rec, 1, &rc);
	CHECK(rc == 0);
	CHECK(s != NULL && memcmp(s, "\xef\xbb\xbf", 3) == 0);
	CHECK(s != NULL && strncmp(s + 3, CSV_HEADER, strlen(CSV_HEADER)) == 0);
	CHECK(s != NULL && strstr(s + 3, "\xef\xbb\xbf") == NULL);
	free(s);
	/* An empty run: BOM and header. */
	s = render_opts(FORMAT_CSV, &oo, NULL, 0, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, "\xef\xbb\xbf" CSV_HEADER);
	free(s);
	/* Off (and no settings at all): no BOM. */
	oo.bom = 0;
	s = render_opts(FORMAT_CSV, &oo, NULL, 0, &rc);
	CHECK_STR(s, CSV_HEADER);
	free(s);
	s = render_opts(FORMAT_CSV, NULL, NULL, 0, &rc);
	CHECK_STR(s, CSV_HEADER);
	free(s);
	/* The other formats ignore it. */
	oo.bom = 1;
	s = render_opts(FORMAT_NDJSON, &oo, NULL, 0, &rc);
	CHECK_STR(s, "");
	free(s);
	json_decref(rec);
}

/* A record with only a file and an id_number. */
static json_t *
rec_id(const char *id)
{
	json_t *r = record_new("i.jpg", "faiz");

	json_object_set_new(r, "id_number", json_string(id));
	return r;
}

#define ID_ROW(id) "i.jpg,,,,,,,," id ",,,,,,,,,,,,,,,,,,faiz,,\r\n"

static void
test_csv_id(void)
{
	char *s;

	/* Digits (and a final X): one tab before, so Excel keeps the text. */
	s = csv_row(rec_id("440105199208220038"));
	CHECK_STR(s, ID_ROW("\t440105199208220038"));
	free(s);
	s = csv_row(rec_id("11010519900102001X"));
	CHECK_STR(s, ID_ROW("\t11010519900102001X"));
	free(s);
	s = csv_row(rec_id("010101200001010012"));
	CHECK_STR(s, ID_ROW("\t010101200001010012"));
	free(s);
	s = csv_row(rec_id("110105900102001")); /* first generation, 15 digits */
	CHECK_STR(s, ID_ROW("\t110105900102001"));
	free(s);
	/* Not a number to Excel anyway: as it is. */
	s = csv_row(rec_id("440105********0038"));
	CHECK_STR(s, ID_ROW("440105********0038"));
	free(s);
	s = csv_row(rec_id("X12"));
	CHECK_STR(s, ID_ROW("X12"));
	free(s);
	/* Text that would be a formula gets the injection marker, not the tab. */
	s = csv_row(rec_id("=1+1"));
	CHECK_STR(s, ID_ROW("'=1+1"));
	free(s);
	s = csv_row(rec_id("-44010519920822003"));
	CHECK_STR(s, ID_ROW("'-44010519920822003"));
	free(s);
	/* Null and empty stay empty. */
	s = csv_row(record_new("i.jpg", "faiz"));
	CHECK_STR(s, ID_ROW(""));
	free(s);
	s = csv_row(rec_id(""));
	CHECK_STR(s, ID_ROW(""));
	free(s);
	/* Only the id_number column: digits elsewhere are left alone. */
	s = csv_row(json_pack("{s:s, s:s}", "file", "1.jpg", "sid",
	    "440105199208220038"));
	CHECK_STR(s, "1.jpg,,,,,,,,,,,,,,,440105199208220038,,,,,,,,,,,,,\r\n");
	free(s);
	/*
	 * Issue F.20: the file column gets the same guard as id_number, for
	 * --check-id, whose file column is the number as typed.
	 */
	s = csv_row(json_pack("{s:s, s:s}", "file", "440105199208220038",
	    "id_number", "440105199208220038"));
	CHECK_STR(s, "\t440105199208220038,,,,,,,,\t440105199208220038"
	    ",,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(json_pack("{s:s}", "file", "=cmd|' /C calc'!A0"));
	CHECK_STR(s, "'=cmd|' /C calc'!A0,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
}

/* --no-tab: ID numbers (in both columns) bare; formulas still defused. */
static void
test_csv_no_tab(void)
{
	struct out_opts oo = { 0, NULL, 1 };
	json_t *rec = json_pack("{s:s, s:s}", "file", "440105199208220038",
	    "id_number", "11010519900102001X");
	json_t *f = json_pack("{s:s, s:s}", "file", "a.jpg", "id_number",
	    "=1+1");
	char *s;
	int rc;

	s = render_opts(FORMAT_CSV, &oo, &rec, 1, &rc);
	CHECK(rc == 0);
	CHECK_STR(s, CSV_HEADER "440105199208220038,,,,,,,,11010519900102001X"
	    ",,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = render_opts(FORMAT_CSV, &oo, &f, 1, &rc);
	CHECK_STR(s, CSV_HEADER "a.jpg,,,,,,,,'=1+1,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	json_decref(rec);
	json_decref(f);
}

#define NAME_ROW(name) "n.jpg,,,," name ",,,,,,,,,,,,,,,,,,,,,,,,\r\n"

/* A record with only a file and a name. */
static json_t *
rec_name(const char *name)
{
	json_t *r = json_pack("{s:s, s:s}", "file", "n.jpg", "name", name);

	return r;
}

static void
test_csv_injection(void)
{
	json_t *r;
	char *s;

	/* Each trigger of OWASP's list gets one single quote in front. */
	s = csv_row(rec_name("=cmd|' /C calc'!A0"));
	CHECK_STR(s, "n.jpg,,,'=cmd|' /C calc'!A0,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(rec_name("+1"));
	CHECK_STR(s, "n.jpg,,,'+1,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(rec_name("-2+3"));
	CHECK_STR(s, "n.jpg,,,'-2+3,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(rec_name("@SUM(A1)"));
	CHECK_STR(s, "n.jpg,,,'@SUM(A1),,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(rec_name("\t=1"));
	CHECK_STR(s, "n.jpg,,,'\t=1,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	/* CR: marked, and quoted as RFC 4180 wants. */
	s = csv_row(rec_name("\r=1"));
	CHECK_STR(s, "n.jpg,,,\"'\r=1\",,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	/* Not at the start, or not a trigger: untouched. */
	s = csv_row(rec_name("a=b"));
	CHECK_STR(s, "n.jpg,,,a=b,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(rec_name("'quoted"));
	CHECK_STR(s, "n.jpg,,,'quoted,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);
	s = csv_row(rec_name(" =1"));
	CHECK_STR(s, "n.jpg,,, =1,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
	free(s);

	/* Every text column: file name, address, authority, paths, message. */
	r = record_new("-rf.jpg", "faiz");
	json_object_set_new(r, "address", json_string("=HYPERLINK(\"http://x\")"));
	json_object_set_new(r, "issue_authority", json_string("@x"));
	json_object_set_new(json_object_get(r, "images"), "cropped",
	    json_string("+c.jpg"));
	record_set_error(r, "-1", "=2");
	s = csv_row(r);
	CHECK_STR(s, "'-rf.jpg,,,,,,,\"'=HYPERLINK(\"\"http://x\"\")\",,'@x,,,,,,"
	    ",,,'+c.jpg,,,,,,'-1,'=2,faiz,,\r\n");
	free(s);

	/* Numbers and booleans are never marked, negative or not. */
	r = record_new("t.jpg", "faiz");
	json_object_set_new(r, "head_covered", json_false());
	json_object_set_new(r, "gray_image", json_true());
	json_object_set_new(r, "time_cost",
	    json_pack("{s:i, s:f}", "preprocess", -5, "recognize", -1.5));
	s = csv_row(r);
	CHECK_STR(s, "t.jpg,,,,,,,,,,,false,,,true,,-5,-1.5,,,,,,,,,faiz,,\r\n");
	free(s);
}

/*
 * What a consumer that is not Excel gets back: Python's csv module reads
 * the file (with the BOM, as utf-8-sig) and drops the tab before the ID.
 */
static void
test_csv_python(void)
{
	static const char *const ids[] = {
		"440105199208220038", "11010519900102001X", "010101200001010012"
	};
	struct out_opts oo = { 1, NULL, 0 };
	char path[] = "/tmp/out_test_XXXXXX", cmd[512], line[256], *s;
	json_t *recs[3];
	FILE *fp, *p;
	size_t i, n;
	int rc, fd;

	for (i = 0; i < 3; i++) {
		recs[i] = rec_id(ids[i]);
		json_object_set_new(recs[i], "name", json_string(
		    i == 0 ? "张三" : i == 1 ? "=1+1" : "Li"));
	}
	s = render_opts(FORMAT_CSV, &oo, recs, 3, &rc);
	CHECK(rc == 0);
	for (i = 0; i < 3; i++)
		json_decref(recs[i]);
	if (s == NULL || (fd = mkstemp(path)) == -1) {
		CHECK(!"cannot write the csv");
		free(s);
		return;
	}
	if ((fp = fdopen(fd, "w")) != NULL) {
		fputs(s, fp);
		fclose(fp);
	}
	free(s);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c '"
	    "import csv, sys\n"
	    "with open(sys.argv[1], newline=\"\", encoding=\"utf-8-sig\") as f:\n"
	    "    for r in csv.DictReader(f):\n"
	    "        i = r[\"id_number\"]\n"
	    "        print(i[1:] if i.startswith(\"\\t\") else i, r[\"name\"])\n"
	    "' %s", path);
	if ((p = popen(cmd, "r")) == NULL) {
		CHECK(!"cannot run python3");
		unlink(path);
		return;
	}
	for (n = 0; fgets(line, sizeof(line), p) != NULL; n++) {
		line[strcspn(line, "\n")] = '\0';
		if (n == 0)
			CHECK_STR(line, "440105199208220038 张三");
		else if (n == 1)
			CHECK_STR(line, "11010519900102001X '=1+1");
		else if (n == 2)
			CHECK_STR(line, "010101200001010012 Li");
	}
	CHECK(pclose(p) == 0);
	CHECK(n == 3);
	unlink(path);
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
    "    \"error\": null,\n"
    "    \"engine\": \"faiz\"\n"
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
    "    },\n"
    "    \"engine\": \"faiz\"\n"
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
	    "\"prepared\":null,\"warnings\":[],\"error\":null,"
	    "\"engine\":\"faiz\"}\n"
	    "{\"file\":\"b.jpg\",\"side\":null,\"type\":null,\"name\":\"Li\","
	    "\"sex\":null,\"people\":null,\"birthday\":null,\"address\":null,"
	    "\"id_number\":null,\"issue_authority\":null,\"validity\":null,"
	    "\"head_covered\":null,\"head_blurred\":null,"
	    "\"border_covered\":null,\"gray_image\":null,\"sid\":null,"
	    "\"time_cost\":null,\"images\":{},\"sha256\":null,\"prepared\":null,"
	    "\"warnings\":[],\"error\":{\"code\":\"not_jpeg\","
	    "\"message\":\"not a \\\"JPEG\\\", really\"},\"engine\":\"faiz\","
	    "\"raw\":{\"code\":1}}\n");
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
		o = out_new(fmts[i], fp, NULL, &err);
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
	CHECK(out_new(FORMAT_AUTO, stdout, NULL, &err) == NULL);
	CHECK(err.msg[0] != '\0');
	json_decref(rec);
}

int
main(void)
{
	test_width();
	test_fit();
	test_table();
	test_csv();
	test_csv_bom();
	test_csv_id();
	test_csv_no_tab();
	test_csv_injection();
	test_csv_python();
	test_json();
	test_ndjson();
	test_write_error();
	return unit_done("out");
}
