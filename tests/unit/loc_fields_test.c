/* Unit tests for loc_fields.c: card text lines into fields, the card's rules choosing between the recogniser's alternatives. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idnum.h"
#include "loc_fields.h"
#include "ocr_line.h"
#include "unit.h"

/*
 * Lines are placed as tests/mkcards.py draws a card, 1200 x 757 pixels:
 * front labels at x 0.07 (font 4.2% of the height), values at 0.17 (5%),
 * rows at y 0.12 name, 0.24 sex and 民族 (label at 0.30, value 0.40), 0.36
 * birthday (digits at 0.17, 0.31, 0.41, 年月日 at 0.26, 0.36, 0.46), 0.48
 * address (11 characters a line, 6.5% apart), 0.82 the number's label and
 * the number at x 0.32 (6.2%); back titles at (0.32, 0.09) and (0.28,
 * 0.24), labels at x 0.22, values at 0.40, rows 0.71 and 0.83. Values sit
 * 4 pixels above their labels.
 */
#define CW 1200.0f
#define CHH 757.0f
#define LAB 0.042f
#define VAL 0.050f
#define NUMH 0.062f
#define UP (4.0f / CHH)

struct card {
	struct ocr_line l[48];
	size_t n;
};

static struct card C;
static struct loc_fields R;

/* A line at (x, y) in card fractions of font height h, its characters one
 * em wide (h in height fractions is h * 757 / 1200 of the width). */
static int
add(float x, float y, float h, const char *text, float prob)
{
	size_t n = 0;
	const char *s = text;
	float em = h * CHH / CW;

	while (ocr_utf8_next(&s) != 0)
		n++;
	if (C.n == sizeof(C.l) / sizeof(C.l[0]) ||
	    ocr_line_set(&C.l[C.n], CW, CHH, x, y, x + em * (float)n, y + h,
	        text, prob) == -1) {
		fprintf(stderr, "test card full\n");
		exit(2);
	}
	return (int)C.n++;
}

/*
 * Give character ci of line li the alternatives (utf8, prob) ... NULL,
 * the first being the one emitted.
 */
static void
cands(int li, int ci, ...)
{
	struct ocr_line *l = &C.l[li];
	va_list ap;
	const char *w;

	l->chars[ci].nalt = 0;
	va_start(ap, ci);
	while ((w = va_arg(ap, const char *)) != NULL) {
		double p = va_arg(ap, double);
		const char *q = w;

		if (ocr_line_alt(l, (size_t)ci, ocr_utf8_next(&q), (float)p) == -1) {
			fprintf(stderr, "bad alternative\n");
			exit(2);
		}
	}
	va_end(ap);
	ocr_line_sync_text(l);
}

/* Line li read as text instead, in the same place, every character at
 * prob 0.99 with no alternatives. */
static void
retext(int li, const char *text)
{
	struct ocr_line *l = &C.l[li];

	if (ocr_line_set(l, CW, CHH, l->nbox[0].x, l->nbox[0].y, l->nbox[2].x,
	        l->nbox[2].y, text, 0.99f) == -1) {
		fprintf(stderr, "bad line text\n");
		exit(2);
	}
}

/* The number's 18th character for 17 digits. */
static void
make_id(const char *first17, char out[19])
{
	memcpy(out, first17, 17);
	out[17] = idnum_check_char(first17);
	out[18] = '\0';
}

struct person {
	const char *name, *sex, *people, *y, *m, *d, *address, *number;
};

static struct person zhang = {"张三", "男", "汉", "1992", "8", "22",
    "广东省清远市清新区浸潭镇鸡见坑村委会下围村2号",
    NULL /* set in main */};

static char zhang_id[19];

/* Layout variations of a front. */
enum {
	MERGED = 1,      /* each label and its value one line */
	SPLIT = 2,       /* each 2-character label as two boxes */
	SEXPEOPLE1 = 4,  /* 性别男民族汉 one line */
	BDAY1 = 8,       /* the birthday one line */
	NOPEOPLE = 16,   /* the detector dropped the 民族 value */
	NOISE = 32,      /* watermark, specimen mark, a stray line */
	NUMMERGED = 64,  /* 公民身份号码 and the number one line */
	NOLABELNUM = 128 /* the number's label not read */
};

/* Line indexes of the front's values, for adding alternatives. */
struct front_ix {
	int name, sex, people, year, month, day, bday, addr[4], number;
};

static void
label2(float x, float y, const char *a, const char *b, int flags)
{
	char buf[16];

	if (flags & SPLIT) {
		add(x, y, LAB, a, 0.99f);
		add(x + 2 * LAB * CHH / CW, y, LAB, b, 0.99f);
	} else {
		snprintf(buf, sizeof(buf), "%s%s", a, b);
		add(x, y, LAB, buf, 0.99f);
	}
}

/* Split s into lines of per characters; the count. */
static int
split_utf8(const char *s, int per, char out[4][128])
{
	int n = 0, k = 0;
	size_t at = 0;
	uint32_t cp;

	memset(out, 0, 4 * 128);
	while ((cp = ocr_utf8_next(&s)) != 0) {
		char u[5];
		size_t b = ocr_utf8_put(cp, u);

		if (k == per) {
			n++;
			k = 0;
			at = 0;
			if (n == 4)
				break;
		}
		memcpy(out[n] + at, u, b);
		at += b;
		k++;
	}
	return n + 1;
}

static void
front(const struct person *p, int flags, int per_line, struct front_ix *ix)
{
	char buf[256], lines[4][128];
	int i, n;

	memset(&C, 0, sizeof(C));
	memset(ix, -1, sizeof(*ix));
	if (flags & NOISE) {
		add(0.40f, 0.015f, 0.06f, "样本SPECIMEN·非真实证件", 0.9f);
		add(0.18f, 0.40f, 0.16f, "样本", 0.6f);
	}
	if (flags & MERGED) {
		snprintf(buf, sizeof(buf), "姓名%s", p->name);
		ix->name = add(0.07f, 0.12f, VAL, buf, 0.99f);
	} else {
		label2(0.07f, 0.12f, "姓", "名", flags);
		ix->name = add(0.17f, 0.12f - UP, VAL, p->name, 0.99f);
	}
	if (flags & SEXPEOPLE1) {
		snprintf(buf, sizeof(buf), "性别%s民族%s", p->sex,
		    flags & NOPEOPLE ? "" : p->people);
		ix->sex = add(0.07f, 0.24f, VAL, buf, 0.99f);
	} else if (flags & MERGED) {
		snprintf(buf, sizeof(buf), "性别%s", p->sex);
		ix->sex = add(0.07f, 0.24f, VAL, buf, 0.99f);
		snprintf(buf, sizeof(buf), "民族%s", p->people);
		if (!(flags & NOPEOPLE))
			ix->people = add(0.30f, 0.24f, VAL, buf, 0.99f);
		else
			add(0.30f, 0.24f, LAB, "民族", 0.99f);
	} else {
		label2(0.07f, 0.24f, "性", "别", flags);
		ix->sex = add(0.17f, 0.24f - UP, VAL, p->sex, 0.99f);
		label2(0.30f, 0.24f, "民", "族", flags);
		if (!(flags & NOPEOPLE))
			ix->people = add(0.40f, 0.24f - UP, VAL, p->people,
			    0.99f);
	}
	if (flags & BDAY1) {
		snprintf(buf, sizeof(buf), "%s%s年%s月%s日",
		    flags & MERGED ? "出生" : "", p->y, p->m, p->d);
		if (!(flags & MERGED))
			label2(0.07f, 0.36f, "出", "生", flags);
		ix->bday = add(flags & MERGED ? 0.07f : 0.17f, 0.36f - UP, VAL,
		    buf, 0.99f);
	} else {
		label2(0.07f, 0.36f, "出", "生", flags);
		ix->year = add(0.17f, 0.36f - UP, VAL, p->y, 0.99f);
		add(0.26f, 0.36f, LAB, "年", 0.99f);
		ix->month = add(0.31f, 0.36f - UP, VAL, p->m, 0.99f);
		add(0.36f, 0.36f, LAB, "月", 0.99f);
		ix->day = add(0.41f, 0.36f - UP, VAL, p->d, 0.99f);
		add(0.46f, 0.36f, LAB, "日", 0.99f);
	}
	n = split_utf8(p->address, per_line, lines);
	if (flags & MERGED) {
		snprintf(buf, sizeof(buf), "住址%s", lines[0]);
		ix->addr[0] = add(0.07f, 0.48f - UP, VAL, buf, 0.99f);
	} else {
		label2(0.07f, 0.48f, "住", "址", flags);
		ix->addr[0] = add(0.17f, 0.48f - UP, VAL, lines[0], 0.99f);
	}
	for (i = 1; i < n; i++)
		ix->addr[i] = add(0.17f, 0.48f - UP + 0.065f * (float)i, VAL,
		    lines[i], 0.99f);
	if (flags & NOISE)
		add(0.66f, 0.30f, 0.03f, "照", 0.5f); /* on the portrait */
	if (flags & NUMMERGED) {
		snprintf(buf, sizeof(buf), "公民身份号码%s", p->number);
		ix->number = add(0.07f, 0.82f - UP, NUMH, buf, 0.99f);
	} else {
		if (!(flags & NOLABELNUM))
			add(0.07f, 0.82f, LAB, "公民身份号码", 0.99f);
		ix->number = add(0.32f, 0.82f - 6.0f / CHH, NUMH, p->number,
		    0.99f);
	}
}

/* The line of the front's first address line. */
static int
read_card(enum loc_side side)
{
	struct fz_err err;

	err.msg[0] = '\0';
	return loc_fields_read(C.l, C.n, side, &R, &err);
}

static const char *
F(enum loc_field f)
{
	return R.f[f].text;
}

static int
is_low(enum loc_field f)
{
	size_t i;

	for (i = 0; i < R.nlow; i++)
		if (R.low[i] == f)
			return 1;
	return 0;
}

/* The number of changes of field f for reason why. */
static int
changes(enum loc_field f, enum loc_reason why)
{
	size_t i;
	int k = 0;

	for (i = 0; i < R.nchanges; i++)
		k += R.changes[i].field == f && R.changes[i].why == why;
	return k;
}

static const struct loc_change *
change_of(enum loc_field f)
{
	size_t i;

	for (i = 0; i < R.nchanges; i++)
		if (R.changes[i].field == f)
			return &R.changes[i];
	return NULL;
}

static void
expect_front(const struct person *p)
{
	char bday[64];

	snprintf(bday, sizeof(bday), "%s年%s月%s日", p->y, p->m, p->d);
	CHECK_STR(F(LOC_NAME), p->name);
	CHECK_STR(F(LOC_SEX), p->sex);
	CHECK_STR(F(LOC_PEOPLE), p->people);
	CHECK_STR(F(LOC_BIRTHDAY), bday);
	CHECK_STR(F(LOC_ADDRESS), p->address);
	CHECK_STR(F(LOC_ID_NUMBER), p->number);
}

/* ---- layout ---- */

static void
test_layouts(void)
{
	static const int variants[] = {0, MERGED, SPLIT, SEXPEOPLE1, BDAY1,
	    MERGED | BDAY1, NOISE, NUMMERGED, NOLABELNUM, SPLIT | NOISE,
	    MERGED | SEXPEOPLE1 | NUMMERGED | BDAY1};
	struct front_ix ix;
	size_t v;
	int per;

	for (v = 0; v < sizeof(variants) / sizeof(variants[0]); v++)
		for (per = 11; per <= 25; per += 7) { /* 3, 2, 1 lines */
			front(&zhang, variants[v], per, &ix);
			CHECK(read_card(LOC_SIDE_FRONT) == 0);
			expect_front(&zhang);
			CHECK(R.nchanges == 0);
			CHECK(R.nlow == 0);
			CHECK(R.side == LOC_SIDE_FRONT);
			CHECK(!R.f[LOC_AUTHORITY].found &&
			    !R.f[LOC_VALIDITY].found);
			if (unit_fail > 0 && R.nchanges + R.nlow > 0)
				fprintf(stderr, "  variant %zu per %d\n", v, per);
		}
}

static void
test_side_auto(void)
{
	struct front_ix ix;

	front(&zhang, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_AUTO) == 0);
	CHECK(R.side == LOC_SIDE_FRONT);
	expect_front(&zhang);

	memset(&C, 0, sizeof(C));
	add(0.32f, 0.09f, 0.075f, "中华人民共和国", 0.99f);
	add(0.28f, 0.24f, 0.12f, "居民身份证", 0.99f);
	add(0.22f, 0.71f, LAB, "签发机关", 0.99f);
	add(0.40f, 0.71f - UP, VAL, "瑞金市公安局", 0.99f);
	CHECK(read_card(LOC_SIDE_AUTO) == 0);
	CHECK(R.side == LOC_SIDE_BACK);
	CHECK_STR(F(LOC_AUTHORITY), "瑞金市公安局");
	CHECK(!R.f[LOC_NAME].found);
	/* validity not found: conf 0, listed as low */
	CHECK(!R.f[LOC_VALIDITY].found && R.f[LOC_VALIDITY].conf == 0);
	CHECK(is_low(LOC_VALIDITY) && R.nlow == 1);

	memset(&C, 0, sizeof(C));
	add(0.1f, 0.1f, VAL, "随便一行字", 0.99f);
	CHECK(read_card(LOC_SIDE_AUTO) == 0);
	CHECK(R.side == LOC_SIDE_NONE);
	CHECK(R.nlow == 0 && R.nchanges == 0);
}

static void
test_missing_and_noise(void)
{
	struct front_ix ix;

	/* The detector dropped 汉: no people, nothing made up, flagged. */
	front(&zhang, NOPEOPLE, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(!R.f[LOC_PEOPLE].found);
	CHECK_STR(F(LOC_PEOPLE), "");
	CHECK(R.f[LOC_PEOPLE].conf == 0.0);
	CHECK(is_low(LOC_PEOPLE) && R.nlow == 1);
	CHECK_STR(F(LOC_SEX), "男");

	front(&zhang, NOPEOPLE | SEXPEOPLE1, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(!R.f[LOC_PEOPLE].found && is_low(LOC_PEOPLE));
	CHECK_STR(F(LOC_SEX), "男");

	/* A name read as one character (the given name lost to blur) is
	 * flagged; two characters are not. */
	{
		struct person p = zhang;

		p.name = "方";
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_NAME), "方");
		CHECK(is_low(LOC_NAME));
		p.name = "方敏";
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_NAME), "方敏");
		CHECK(!is_low(LOC_NAME));
	}

	/* An address read without its start (its first line lost): it names
	 * no region where every card's address begins with its province, so
	 * it is flagged. The whole address is not. */
	{
		struct person p = zhang;

		p.address = "鸡见坑村委会下围村2号";
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_ADDRESS), p.address);
		CHECK(is_low(LOC_ADDRESS));
		front(&zhang, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK(!is_low(LOC_ADDRESS));
	}

	/* A line of the watermark lying between the address lines is not
	 * part of the address (the watermark is much taller). */
	front(&zhang, 0, 11, &ix);
	add(0.17f, 0.54f, 0.16f, "样本", 0.7f);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), zhang.address);

	/* The first address line merged with the watermark (twice as tall),
	 * its last character a watermark letter 1.7 or 1.3 pitches after the
	 * one before: the letter goes. The same letter at the even pitch of
	 * the printed characters is kept. */
	for (int shift = 2; shift >= 0; shift--) {
		struct ocr_line *l;
		float em = VAL * CHH / CW;

		front(&zhang, 0, 22, &ix);
		l = &C.l[ix.addr[0]];
		CHECK(ocr_line_set(l, CW, CHH, 0.17f, 0.48f - UP - 0.05f,
		          0.17f + 23 * em, 0.48f - UP + VAL,
		          "广东省清远市清新区浸潭镇鸡见坑村委会下围村2E",
		          0.99f) == 0);
		l->chars[22].nx += shift == 2 ? 0.7f * em :
		    shift == 1 ? 0.3f * em : 0.0f;
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_ADDRESS), shift ? zhang.address :
		    "广东省清远市清新区浸潭镇鸡见坑村委会下围村2E号");
	}

	/* 姓名 not read at all: the name is the line above the 性别 row. */
	front(&zhang, 0, 11, &ix);
	cands(ix.name - 1, 0, "娃", 0.6, NULL);
	cands(ix.name - 1, 1, "各", 0.6, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_NAME), "张三");

	/* A temporary card: all eight fields from one side. */
	memset(&C, 0, sizeof(C));
	add(0.07f, 0.025f, VAL, "临时居民身份证", 0.99f);
	add(0.07f, 0.12f, VAL, "姓名张三", 0.99f);
	add(0.07f, 0.24f, VAL, "性别男民族汉", 0.99f);
	add(0.07f, 0.36f, VAL, "出生1992年8月22日", 0.99f);
	add(0.07f, 0.48f, VAL, "住址广东省清远市清新区", 0.99f);
	add(0.07f, 0.62f, VAL, "签发机关清远市公安局", 0.99f);
	add(0.07f, 0.70f, VAL, "有效期限2024.01.01-2024.04.01", 0.99f);
	add(0.07f, 0.82f, VAL, "公民身份号码", 0.99f);
	add(0.32f, 0.82f, NUMH, zhang_id, 0.99f);
	CHECK(read_card(LOC_SIDE_AUTO) == 0);
	CHECK(R.side == LOC_SIDE_TEMPORARY); /* by its title */
	CHECK(read_card(LOC_SIDE_TEMPORARY) == 0);
	CHECK(R.side == LOC_SIDE_TEMPORARY);
	CHECK_STR(F(LOC_ADDRESS), "广东省清远市清新区");
	CHECK_STR(F(LOC_AUTHORITY), "清远市公安局");
	CHECK_STR(F(LOC_VALIDITY), "2024.01.01-2024.04.01");
	CHECK(!is_low(LOC_VALIDITY)); /* three months on a temporary card */
	CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
	CHECK_STR(F(LOC_NAME), "张三");

	/* An address line and the number (its label unread) each cut into
	 * two boxes. */
	{
		struct person p = zhang;
		char n1[16], n2[16];

		p.address = "广东省清远市清新区";
		front(&p, 0, 11, &ix);
		C.n -= 2; /* the number's label and the number */
		add(0.17f, 0.48f - UP + 0.065f, VAL, "浸潭镇鸡见坑", 0.99f);
		add(0.17f + 6 * VAL * CHH / CW + 0.03f, 0.48f - UP + 0.065f, VAL,
		    "村委会下围村2号", 0.99f);
		memcpy(n1, zhang_id, 10), n1[10] = '\0';
		memcpy(n2, zhang_id + 10, 8), n2[8] = '\0';
		add(0.32f, 0.81f, NUMH, n1, 0.99f);
		add(0.32f + 10 * NUMH * CHH / CW + 0.04f, 0.81f, NUMH, n2, 0.99f);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_ADDRESS), zhang.address);
		CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
	}

	/* 民族路 inside an address is no label. */
	{
		struct person p = zhang;

		p.address = "云南省昆明市五华区民族路12号";
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_ADDRESS), p.address);
		CHECK_STR(F(LOC_PEOPLE), "汉");
	}
}

static void
test_fullwidth(void)
{
	struct front_ix ix;
	struct person p = zhang;
	char num[80], fw[80];
	size_t i, at = 0;

	/* Full-width digits come out as ASCII, with no change listed. */
	for (i = 0; i < 18; i++)
		at += ocr_utf8_put((uint32_t)zhang_id[i] + 0xfee0, fw + at);
	snprintf(num, sizeof(num), "%s", fw);
	p.number = num;
	p.y = "１９９２";
	p.address = "广东省清远市清新区浸潭镇鸡见坑村委会下围村２号";
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	expect_front(&zhang);
	CHECK(R.nchanges == 0);
	CHECK(R.nlow == 0);

	/* Ideographic spaces inside a name are dropped. */
	p = zhang;
	p.name = "张　三";
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_NAME), "张三");

	/* Text-only lines (no per-character alternatives) take the line's
	 * confidence. */
	front(&zhang, 0, 11, &ix);
	C.l[ix.name].nchars = 0;
	C.l[ix.name].conf = 0.7f;
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_NAME), "张三");
	CHECK(R.f[LOC_NAME].conf > 0.69 && R.f[LOC_NAME].conf < 0.71);
	CHECK(is_low(LOC_NAME) && R.nlow == 1);
}

static void
test_fuzzy_labels(void)
{
	struct front_ix ix;
	int li;

	/* 姓 misread as 娃 (not among the alternatives): still the label,
	 * the line starting in the label column. */
	front(&zhang, 0, 11, &ix);
	li = ix.name - 1;
	cands(li, 0, "娃", 0.6, "妹", 0.3, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_NAME), "张三");
	/* 公民身份号码 with one character misread. */
	front(&zhang, 0, 11, &ix);
	li = ix.number - 1;
	cands(li, 3, "仿", 0.7, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
	/* 住址 misread as 佳址 */
	front(&zhang, 0, 11, &ix);
	li = ix.addr[0] - 1;
	cands(li, 0, "佳", 0.8, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), zhang.address);
	/* The label's misread character with the right one among its
	 * alternatives counts as read. */
	front(&zhang, 0, 11, &ix);
	cands(ix.sex - 1, 1, "剐", 0.5, "别", 0.4, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_SEX), "男");
}

/* ---- the number ---- */

/* The front with the number line's character i given alternatives. */
static int
front_num(void)
{
	struct front_ix ix;

	front(&zhang, 0, 11, &ix);
	return ix.number;
}

static void
test_number_form(void)
{
	char id[19], num[32];
	struct person p = zhang;
	struct front_ix ix;
	const struct loc_change *ch;
	int li;

	/* A number ending in X, read as x and as ×. */
	make_id("11010519491231002", id);
	CHECK(id[17] == 'X');
	memcpy(num, id, 17);
	strcpy(num + 17, "x");
	p.number = num;
	p.y = "1949", p.m = "12", p.d = "31", p.sex = "女";
	p.address = "北京市朝阳区某街1号";
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), id);
	CHECK(changes(LOC_ID_NUMBER, LOC_WHY_FORM) == 1);
	CHECK(!is_low(LOC_ID_NUMBER));

	strcpy(num + 17, "×");
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), id);
	CHECK((ch = change_of(LOC_ID_NUMBER)) != NULL);
	if (ch != NULL) {
		CHECK(strstr(ch->from, "×") != NULL);
		CHECK_STR(ch->to, id);
		CHECK(ch->why == LOC_WHY_FORM);
	}

	/* O, D, l, I, B read for 0, 0, 1, 1, 8 with the digit among the
	 * alternatives: the digit. */
	{
		static const char *const looks[][2] = {
		    {"O", "0"}, {"D", "0"}, {"l", "1"}, {"I", "1"}, {"B", "8"}};
		size_t k;

		for (k = 0; k < 5; k++) {
			int pos = (int)(strchr(zhang_id, looks[k][1][0]) -
			    zhang_id);

			li = front_num();
			cands(li, pos, looks[k][0], 0.6, looks[k][1], 0.35,
			    NULL);
			CHECK(read_card(LOC_SIDE_FRONT) == 0);
			CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
			CHECK(changes(LOC_ID_NUMBER, LOC_WHY_FORM) == 1);
			CHECK(R.nchanges == 1);
			/* One unsure position, ruled by the check: 0.35 /
			 * (0.35 + 0.05 left outside). */
			CHECK(R.f[LOC_ID_NUMBER].conf > 0.87 &&
			    R.f[LOC_ID_NUMBER].conf < 0.88);
			CHECK(!is_low(LOC_ID_NUMBER));
		}
	}

	/* O with no digit among its alternatives: left as read, flagged. */
	li = front_num();
	cands(li, 5, "O", 0.6, "Q", 0.3, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(strchr(F(LOC_ID_NUMBER), 'O') != NULL);
	CHECK(R.nchanges == 0);
	CHECK(is_low(LOC_ID_NUMBER));
	CHECK(R.f[LOC_ID_NUMBER].conf <= LOC_FIELDS_BROKEN_CONF);

	/* 19 characters, one of which the recogniser said may be no
	 * character (a CTC blank among its alternatives): dropped. */
	{
		char extra[20];

		memcpy(extra, zhang_id, 10);
		extra[10] = zhang_id[9];
		memcpy(extra + 11, zhang_id + 10, 9);
		p = zhang;
		p.number = extra;
		front(&p, 0, 11, &ix);
		C.l[ix.number].chars[10].prob[0] = 0.5f;
		ocr_line_alt(&C.l[ix.number], 10, OCR_BLANK, 0.45f);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
		CHECK(changes(LOC_ID_NUMBER, LOC_WHY_CHECK) == 1);
		/* Without the blank among them: left at 19, flagged. */
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK(strlen(F(LOC_ID_NUMBER)) == 19 && is_low(LOC_ID_NUMBER));
		CHECK(R.nchanges == 0);
	}

	/* A CJK character whose low byte is a digit's (丰 U+4E30) is no
	 * digit: the number stays broken. */
	li = front_num();
	cands(li, 4, "丰", 0.9, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(strstr(F(LOC_ID_NUMBER), "丰") != NULL);
	CHECK(is_low(LOC_ID_NUMBER) && R.nchanges == 0);

	/* A label remnant in front of the number is not part of it. */
	{
		char lead[40];

		snprintf(lead, sizeof(lead), "码%s", zhang_id);
		p = zhang;
		p.number = lead;
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
		CHECK(changes(LOC_ID_NUMBER, LOC_WHY_FORM) == 1);
	}

	/* 17 characters: nothing to substitute, flagged. */
	p = zhang;
	memcpy(num, zhang_id, 17);
	num[17] = '\0';
	p.number = num;
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), num);
	CHECK(is_low(LOC_ID_NUMBER) && R.nchanges == 0);
}

/* Line li's number character pos emitted as wrong (prob pw) with the
 * alternatives given. */
static void
test_number_check(void)
{
	char wrong[19];
	int li, pos;

	/* One digit misread, the right one its second reading: the only
	 * substitution that makes the check right. */
	li = front_num();
	pos = 3;
	snprintf(wrong, sizeof(wrong), "%c", zhang_id[pos] == '5' ? '6' : '5');
	{
		char right[2] = {zhang_id[pos], '\0'};

		cands(li, pos, wrong, 0.55, right, 0.40, NULL);
	}
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
	CHECK(changes(LOC_ID_NUMBER, LOC_WHY_CHECK) == 1 && R.nchanges == 1);
	/* 0.40 against the 0.05 left outside the list and the chance that
	 * the emitted 0.55 was right and another position is wrong:
	 * 0.55 * 17 * 0.01 / (9 * 0.99). */
	CHECK(R.f[LOC_ID_NUMBER].conf > 0.868 &&
	    R.f[LOC_ID_NUMBER].conf < 0.869 && !is_low(LOC_ID_NUMBER));
	{
		const struct loc_change *ch = change_of(LOC_ID_NUMBER);

		CHECK(ch != NULL && strcmp(ch->to, zhang_id) == 0 &&
		    strcmp(ch->from, zhang_id) != 0 &&
		    strlen(ch->from) == 18);
	}

	/* The right digit not among the alternatives: never invented. */
	li = front_num();
	cands(li, pos, wrong, 0.55, "B", 0.40, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(strcmp(F(LOC_ID_NUMBER), zhang_id) != 0);
	CHECK(F(LOC_ID_NUMBER)[pos] == wrong[0]);
	CHECK(changes(LOC_ID_NUMBER, LOC_WHY_CHECK) == 0);
	CHECK(is_low(LOC_ID_NUMBER));
}

/*
 * Find two positions and digits of zhang_id that each alone make a
 * corrupted number valid again: the corruption is at position a, and
 * position b's alternative digit also fixes it.
 */
static int
find_ambiguous(int *a, char *wa, int *b, char *wb)
{
	char t[19];
	int i, j;
	char d, e;

	for (i = 14; i <= 15; i++)
		for (d = '0'; d <= '9'; d++) {
			if (d == zhang_id[i])
				continue;
			memcpy(t, zhang_id, 19);
			t[i] = d;
			/* t is invalid; which other single change fixes it? */
			for (j = 0; j < 17; j++) {
				char save;

				/* Only the order digits: a change in the region,
				 * the date or the sex digit would be told apart
				 * by the table or the printed fields. */
				if (j == i || j < 14 || j > 15)
					continue;
				save = t[j];
				for (e = '0'; e <= '9'; e++) {
					t[j] = e;
					if (e != save &&
					    idnum_check_char(t) == t[17]) {
						*a = i, *wa = d, *b = j, *wb = e;
						return 0;
					}
				}
				t[j] = save;
			}
		}
	return -1;
}

static void
test_number_ambiguous(void)
{
	int a, b, li;
	char wa, wb, s1[2] = {0}, s2[2] = {0}, r1[2] = {0}, r2[2] = {0};

	CHECK(find_ambiguous(&a, &wa, &b, &wb) == 0);
	/* Position a read wrong (right one 2nd), position b read right with
	 * another digit second that would also validate: two candidates,
	 * none taken. */
	li = front_num();
	s1[0] = wa, r1[0] = zhang_id[a];
	cands(li, a, s1, 0.55, r1, 0.40, NULL);
	s2[0] = zhang_id[b], r2[0] = wb;
	cands(li, b, s2, 0.80, r2, 0.15, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(F(LOC_ID_NUMBER)[a] == wa && F(LOC_ID_NUMBER)[b] == zhang_id[b]);
	CHECK(R.nchanges == 0);
	CHECK(is_low(LOC_ID_NUMBER));
}

static void
test_number_printed(void)
{
	/* A corruption in the birth date part whose fix competes with a fix
	 * elsewhere; the sure printed birthday decides. */
	char t[19], s1[2] = {0}, r1[2] = {0}, s2[2] = {0}, r2[2] = {0};
	int a = 13, b = -1, li, j;
	char d = 0, e = 0;

	/* The day's last digit 2 of 22 read as another digit d; some other
	 * position b (outside the date) has an alternative e that also
	 * validates. */
	for (d = '0'; d <= '9' && b < 0; d++) {
		if (d == zhang_id[a])
			continue;
		memcpy(t, zhang_id, 19);
		t[a] = d;
		for (j = 0; j < 17 && b < 0; j++) {
			char save = t[j];

			if (j < 14 || j > 15)
				continue; /* the order digits only, as above */
			for (e = '0'; e <= '9'; e++) {
				t[j] = e;
				if (e != save && idnum_check_char(t) == t[17]) {
					b = j;
					break;
				}
			}
			t[j] = save;
		}
		if (b >= 0)
			break;
	}
	CHECK(b >= 0);
	if (b < 0)
		return;
	li = front_num();
	s1[0] = d, r1[0] = zhang_id[a];
	cands(li, a, s1, 0.55, r1, 0.40, NULL);
	s2[0] = zhang_id[b], r2[0] = e;
	cands(li, b, s2, 0.80, r2, 0.15, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
	CHECK(changes(LOC_ID_NUMBER, LOC_WHY_CHECK_PRINTED) == 1);
	CHECK(R.nchanges == 1);
	/* Two unsure positions: the raw probability stands, flagged. */
	CHECK(is_low(LOC_ID_NUMBER));

	/* The same without a sure birthday: nothing taken. */
	{
		struct front_ix ix;

		front(&zhang, 0, 11, &ix);
		cands(ix.day, 1, "2", 0.6, "7", 0.3, NULL);
		li = ix.number;
		cands(li, a, s1, 0.55, r1, 0.40, NULL);
		cands(li, b, s2, 0.80, r2, 0.15, NULL);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK(F(LOC_ID_NUMBER)[a] == d);
		CHECK(changes(LOC_ID_NUMBER, LOC_WHY_CHECK_PRINTED) == 0 &&
		    changes(LOC_ID_NUMBER, LOC_WHY_CHECK) == 0);
	}

	/* A unique fix that contradicts the sure printed birthday is not
	 * taken: the real error is elsewhere and unreadable. */
	li = front_num();
	cands(li, a, s1, 0.55, "B", 0.40, NULL); /* right digit absent */
	{
		/* Position b's alternative e validates the number with the
		 * wrong day d. */
		cands(li, b, s2, 0.80, r2, 0.15, NULL);
	}
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(F(LOC_ID_NUMBER)[b] == zhang_id[b]);
	CHECK(changes(LOC_ID_NUMBER, LOC_WHY_CHECK) == 0);
	CHECK(is_low(LOC_ID_NUMBER));
}

static void
test_number_doubt(void)
{
	struct front_ix ix;
	struct person p = zhang;
	char id[19];

	/* A valid number whose date differs from the sure printed birthday:
	 * one of them is misread, so the number is flagged (nothing is
	 * changed: both are sure). */
	make_id("44180319920722123", id);
	p.number = id;
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), id);
	CHECK_STR(F(LOC_BIRTHDAY), "1992年8月22日");
	CHECK(R.nchanges == 0 && is_low(LOC_ID_NUMBER));
	/* The same for sex: an even 17th digit against a sure 男. */
	make_id("44180319920822124", id);
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(R.nchanges == 0 && is_low(LOC_ID_NUMBER));
	/* A region code in no list. */
	make_id("99180319920822123", id);
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(is_low(LOC_ID_NUMBER));
	/* A birth year no living holder has. */
	make_id("44180318920822123", id);
	p.y = "1892";
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(is_low(LOC_ID_NUMBER));
	/* A city-district roll-up code (4418 01, not in the lists) is fine. */
	make_id("44180119920822123", id);
	p.y = "1992";
	front(&p, 0, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(!is_low(LOC_ID_NUMBER) && R.nlow == 0);
}

/*
 * Property: over many random numbers with random misreadings (the right
 * character sometimes among the alternatives, sometimes not), every
 * character of the output is one of the recogniser's alternatives at that
 * position, and a number that comes out wrong is always flagged.
 */
static unsigned rnd_seed = 12345;

/* A fixed linear congruential sequence: the same cases every run. */
static unsigned
RND(void)
{
	rnd_seed = rnd_seed * 1103515245u + 12345u;
	return (rnd_seed >> 16) & 0x7fff;
}

static void
test_number_property(void)
{
	int trial, wrong_silent = 0, fixed = 0, bad_alt = 0, cancelled = 0;
	for (trial = 0; trial < 3000; trial++) {
		char first[18], id[19], alts[18][5], y[8], m[4], d[4];
		int li, i, nerr = 1 + (int)(RND() % 2), yy, mm, dd, seq;
		struct front_ix ix;
		struct person p = zhang;

		yy = 1950 + (int)(RND() % 60);
		mm = 1 + (int)(RND() % 12);
		dd = 1 + (int)(RND() % 28);
		seq = (int)(RND() % 1000);
		snprintf(first, sizeof(first), "440106%04d%02d%02d%03d", yy,
		    mm, dd, seq);
		make_id(first, id);
		snprintf(y, sizeof(y), "%d", yy);
		snprintf(m, sizeof(m), "%d", mm);
		snprintf(d, sizeof(d), "%d", dd);
		p.number = id;
		p.y = y, p.m = m, p.d = d;
		p.sex = seq % 2 ? "男" : "女";
		p.address = "广东省广州市海珠区某路1号";
		front(&p, 0, 11, &ix);
		li = ix.number;
		memset(alts, 0, sizeof(alts));
		for (i = 0; i < 18; i++) {
			struct ocr_char *c = &C.l[li].chars[i];

			alts[i][0] = id[i];
			c->prob[0] = 0.90f + (float)(RND() % 90) / 1000.0f;
			if (RND() % 4 == 0) {
				/* a faint other reading */
				char o = (char)('0' + RND() % 10);

				if (o != id[i]) {
					ocr_line_alt(&C.l[li], (size_t)i,
					    (uint32_t)o, 0.02f);
					alts[i][1] = o;
				}
			}
		}
		for (i = 0; i < nerr; i++) {
			int pos = (int)(RND() % 18);
			char w = (char)('0' + RND() % 10), r[2] = {id[pos], 0},
			     ws[2] = {w, 0};

			if (w == id[pos])
				continue;
			if (RND() % 2)
				cands(li, pos, ws, 0.5 + (double)(RND() % 48) / 100.0,
				    r, 0.15, NULL);
			else
				cands(li, pos, ws, 0.5 + (double)(RND() % 48) / 100.0,
				    NULL);
			memset(alts[pos], 0, 5);
			alts[pos][0] = w;
			if (C.l[li].chars[pos].nalt > 1)
				alts[pos][1] = id[pos];
		}
		if (read_card(LOC_SIDE_FRONT) != 0 ||
		    strlen(F(LOC_ID_NUMBER)) != 18) {
			bad_alt++;
			continue;
		}
		for (i = 0; i < 18; i++) {
			char o = F(LOC_ID_NUMBER)[i];

			if (strchr(alts[i], o) == NULL)
				bad_alt++;
		}
		/* Two misreadings that cancel in the check and agree with
		 * everything printed are undetectable by any rule (and
		 * rare when the probabilities are honest, unlike here). */
		if (strcmp(F(LOC_ID_NUMBER), id) != 0 &&
		    !is_low(LOC_ID_NUMBER) && nerr == 1)
			wrong_silent++;
		if (strcmp(F(LOC_ID_NUMBER), id) != 0 &&
		    !is_low(LOC_ID_NUMBER) && nerr == 2)
			cancelled++;
		if (strcmp(F(LOC_ID_NUMBER), id) == 0 &&
		    changes(LOC_ID_NUMBER, LOC_WHY_CHECK) == 1)
			fixed++;
	}
	CHECK(bad_alt == 0);
	CHECK(wrong_silent == 0);
	CHECK(fixed > 100); /* the rule does real work */
	CHECK(cancelled < 10);
	printf("  property: 3000 numbers, %d fixed by the check, %d wrong "
	    "and unflagged (two cancelling misreadings)\n", fixed, cancelled);
	if (wrong_silent || bad_alt)
		fprintf(stderr, "  property: %d silent wrong, %d invented\n",
		    wrong_silent, bad_alt);
}

/* ---- one misread character: birthday, sex, 民族 ---- */

/* Where a case puts its alternatives. */
enum where { AT_SEX, AT_PEOPLE, AT_MONTH, AT_BDAY };

/*
 * A front (zhang's unless people, sex or first17 say otherwise; flags as
 * for front()) whose character ci of one value gets alternatives a[] with
 * probabilities p[]; then field f must read want, with one change for why
 * (or none: NOCHANGE) and no other change, and is or is not low (low 1/0).
 */
#define NOCHANGE (-1)
struct one_case {
	const char *what;
	const char *people, *sex, *first17;
	int flags;
	enum where at;
	int ci;
	const char *a[3];
	double p[3];
	enum loc_field f;
	const char *want;
	int why;
	int low;
};

static const struct one_case one_cases[] = {
    {"month 3 unsure, the sure number's 08 decides", NULL, NULL, NULL, 0,
        AT_MONTH, 0, {"3", "8"}, {0.6, 0.35}, LOC_BIRTHDAY, "1992年8月22日",
        LOC_WHY_BIRTH_NUMBER, 0},
    {"the same on a one-line birthday (1892 or 1992)", NULL, NULL, NULL,
        BDAY1, AT_BDAY, 1, {"8", "9"}, {0.5, 0.45}, LOC_BIRTHDAY,
        "1992年8月22日", LOC_WHY_BIRTH_NUMBER, 0},
    {"a sure printed digit that disagrees stays", NULL, NULL, NULL, 0,
        AT_MONTH, 0, {"3", "8"}, {0.95, 0.04}, LOC_BIRTHDAY, "1992年3月22日",
        NOCHANGE, 0},
    {"the number's digit not among the alternatives", NULL, NULL, NULL, 0,
        AT_MONTH, 0, {"3", "5"}, {0.6, 0.35}, LOC_BIRTHDAY, "1992年3月22日",
        NOCHANGE, 1},
    {"年 read as 午", NULL, NULL, NULL, BDAY1, AT_BDAY, 4, {"午", "年"},
        {0.6, 0.3}, LOC_BIRTHDAY, "1992年8月22日", LOC_WHY_FORM, 1},
    {"printed 男 unsure, the number's even 17th digit: 女", NULL, "女",
        "44010619920822124", 0, AT_SEX, 0, {"男", "女"}, {0.55, 0.40},
        LOC_SEX, "女", LOC_WHY_SEX_NUMBER, 0},
    {"printed 男 sure: left for the checks", NULL, "女", "44010619920822124",
        0, AT_SEX, 0, {"男", "女"}, {0.95, 0.04}, LOC_SEX, "男", NOCHANGE, 0},
    {"女 not among the alternatives", NULL, "女", "44010619920822124", 0,
        AT_SEX, 0, {"男", "田"}, {0.55, 0.40}, LOC_SEX, "男", NOCHANGE, 1},
    {"the number confirms an unsure 男", NULL, NULL, NULL, 0, AT_SEX, 0,
        {"男", "女"}, {0.7, 0.28}, LOC_SEX, "男", NOCHANGE, 0},
    {"a lone 壮 read as 并", "并", NULL, NULL, 0, AT_PEOPLE, 0,
        {"并", "壮", "井"}, {0.6, 0.3, 0.05}, LOC_PEOPLE, "壮", LOC_WHY_ETHNIC,
        0},
    {"并 with no name among the alternatives", "并", NULL, NULL, 0,
        AT_PEOPLE, 0, {"并", "井"}, {0.6, 0.3}, LOC_PEOPLE, "并", NOCHANGE,
        1},
    {"two names among the alternatives of a non-name", "曰", NULL, NULL, 0,
        AT_PEOPLE, 0, {"曰", "回", "白"}, {0.5, 0.25, 0.2}, LOC_PEOPLE, "曰",
        NOCHANGE, 1},
    {"蒙吉 -> 蒙古", "蒙吉", NULL, NULL, 0, AT_PEOPLE, 1, {"吉", "古"},
        {0.6, 0.35}, LOC_PEOPLE, "蒙古", LOC_WHY_ETHNIC, 0},
    {"a name with another name its close second", "回", NULL, NULL, 0,
        AT_PEOPLE, 0, {"回", "白"}, {0.6, 0.35}, LOC_PEOPLE, "回", NOCHANGE,
        1},
    {"a name whose alternatives spell no other name", NULL, NULL, NULL, 0,
        AT_PEOPLE, 0, {"汉", "汊"}, {0.7, 0.29}, LOC_PEOPLE, "汉", NOCHANGE,
        0},
    {"壮 on a merged line, read 并", "并", NULL, NULL, SEXPEOPLE1, AT_SEX, 5,
        {"并", "壮"}, {0.6, 0.35}, LOC_PEOPLE, "壮", LOC_WHY_ETHNIC, 0},
};

static void
test_one_cases(void)
{
	size_t k;
	char id[19];

	for (k = 0; k < sizeof(one_cases) / sizeof(one_cases[0]); k++) {
		const struct one_case *c = &one_cases[k];
		struct person p = zhang;
		struct front_ix ix;
		int li, j, fails = unit_fail;

		if (c->people != NULL)
			p.people = c->people;
		if (c->sex != NULL)
			p.sex = c->sex;
		if (c->first17 != NULL) {
			make_id(c->first17, id);
			p.number = id;
		}
		front(&p, c->flags, 11, &ix);
		li = c->at == AT_SEX ? ix.sex : c->at == AT_PEOPLE ? ix.people :
		    c->at == AT_MONTH ? ix.month : ix.bday;
		C.l[li].chars[c->ci].nalt = 0;
		for (j = 0; j < 3 && c->a[j] != NULL; j++) {
			const char *q = c->a[j];

			ocr_line_alt(&C.l[li], (size_t)c->ci, ocr_utf8_next(&q),
			    (float)c->p[j]);
		}
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(c->f), c->want);
		if (c->why == NOCHANGE)
			CHECK(R.nchanges == 0);
		else
			CHECK(R.nchanges == 1 &&
			    changes(c->f, (enum loc_reason)c->why) == 1);
		CHECK(is_low(c->f) == c->low);
		if (unit_fail > fails)
			fprintf(stderr, "  case: %s\n", c->what);
	}
}

static void
test_birthday(void)
{
	struct front_ix ix;
	const struct loc_change *ch;

	/* What a change says. */
	front(&zhang, 0, 11, &ix);
	cands(ix.month, 0, "3", 0.6, "8", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK((ch = change_of(LOC_BIRTHDAY)) != NULL);
	if (ch != NULL) {
		CHECK_STR(ch->from, "1992年3月22日");
		CHECK_STR(ch->to, "1992年8月22日");
		CHECK_STR(loc_reason_name(ch->why), "birthday_from_number");
		CHECK_STR(loc_field_name(ch->field), "birthday");
	}

	/* The number's month digit unsure and another digit too, so the
	 * check cannot vouch for it: no evidence. */
	front(&zhang, 0, 11, &ix);
	cands(ix.month, 0, "3", 0.6, "8", 0.35, NULL);
	{
		char b[2] = {zhang_id[2], 0};

		cands(ix.number, 11, "8", 0.6, "3", 0.3, NULL);
		cands(ix.number, 2, b, 0.6, "7", 0.3, NULL);
	}
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_BIRTHDAY), "1992年3月22日");
	CHECK(changes(LOC_BIRTHDAY, LOC_WHY_BIRTH_NUMBER) == 0);

	/* A day a digit too long (262): the digit that may be no character
	 * (the blank among its alternatives) and without which the date is
	 * the sure number's goes; without the blank it stays, flagged. */
	{
		struct person p = zhang;

		p.d = "262";
		front(&p, BDAY1, 11, &ix);
		CHECK(ocr_line_alt(&C.l[ix.bday], 8, OCR_BLANK, 0.3f) == 0);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_BIRTHDAY), "1992年8月22日");
		CHECK(changes(LOC_BIRTHDAY, LOC_WHY_BIRTH_NUMBER) == 1);
		front(&p, BDAY1, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_BIRTHDAY), "1992年8月262日");
		CHECK(is_low(LOC_BIRTHDAY));
	}

	/* Two unit words at once: one change for the form. */
	front(&zhang, BDAY1, 11, &ix);
	cands(ix.bday, 4, "午", 0.6, "年", 0.3, NULL);
	cands(ix.bday, 9, "目", 0.6, "日", 0.3, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_BIRTHDAY), "1992年8月22日");
	CHECK(changes(LOC_BIRTHDAY, LOC_WHY_FORM) == 1);

	/* Units the photo lost, or left as look-alikes without the unit
	 * among their alternatives: the digits are the sure number's date,
	 * each other character where a unit belongs, so the form is put
	 * back, one change, and the field is not flagged. */
	{
		static const char *lost[] = {"1992822", "1992年822",
		    "19928月22", "1992午8目22", "1992年8月22"};

		for (size_t k = 0; k < sizeof(lost) / sizeof(lost[0]); k++) {
			front(&zhang, BDAY1, 11, &ix);
			retext(ix.bday, lost[k]);
			CHECK(read_card(LOC_SIDE_FRONT) == 0);
			CHECK_STR(F(LOC_BIRTHDAY), "1992年8月22日");
			CHECK(changes(LOC_BIRTHDAY, LOC_WHY_FORM) == 1);
			CHECK(!is_low(LOC_BIRTHDAY));
		}
	}
	/* Not so: digits that are not the number's date, a character
	 * inside a group, two where one unit belongs, a month printed with
	 * a leading zero, or a number that is not sure. */
	{
		static const char *kept[] = {"1992823", "19X92822",
		    "1992年年822", "19920822"};

		for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
			front(&zhang, BDAY1, 11, &ix);
			retext(ix.bday, kept[k]);
			CHECK(read_card(LOC_SIDE_FRONT) == 0);
			CHECK_STR(F(LOC_BIRTHDAY), kept[k]);
			CHECK(is_low(LOC_BIRTHDAY));
		}
		front(&zhang, BDAY1, 11, &ix);
		retext(ix.bday, "1992822");
		cands(ix.number, 11, "8", 0.6, "3", 0.3, NULL);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_BIRTHDAY), "1992822");
		CHECK(is_low(LOC_BIRTHDAY));
	}

	/* A date that does not exist stays and is flagged. */
	{
		struct person p = zhang;
		char id[19];

		p.m = "2", p.d = "30";
		make_id("44010619920230123", id);
		p.number = id;
		front(&p, 0, 11, &ix);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_BIRTHDAY), "1992年2月30日");
		CHECK(is_low(LOC_BIRTHDAY) && is_low(LOC_ID_NUMBER));
	}
}

static void
test_sex(void)
{
	struct front_ix ix;
	struct person p = zhang;
	char bad[19];

	/* No usable number, 田 emitted, 男 its only sex alternative. */
	memcpy(bad, zhang_id, 19);
	bad[17] = bad[17] == '1' ? '2' : '1';
	p.number = bad;
	front(&p, 0, 11, &ix);
	cands(ix.sex, 0, "田", 0.55, "男", 0.40, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_SEX), "男");
	CHECK(changes(LOC_SEX, LOC_WHY_FORM) == 1);
	/* Both among them: no choice. */
	front(&p, 0, 11, &ix);
	cands(ix.sex, 0, "田", 0.5, "男", 0.3, "女", 0.15, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_SEX), "田");
	CHECK(changes(LOC_SEX, LOC_WHY_FORM) == 0 && is_low(LOC_SEX));
}

static void
test_people(void)
{
	struct front_ix ix;
	struct person p = zhang;
	const struct loc_change *ch;

	p.people = "并";
	front(&p, 0, 11, &ix);
	cands(ix.people, 0, "并", 0.6, "壮", 0.3, "井", 0.05, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK((ch = change_of(LOC_PEOPLE)) != NULL);
	if (ch != NULL) {
		CHECK_STR(ch->from, "并");
		CHECK_STR(ch->to, "壮");
		CHECK_STR(loc_reason_name(ch->why), "ethnic_name");
	}
	/* Not a name after the choice: at most the broken confidence. */
	front(&p, 0, 11, &ix);
	cands(ix.people, 0, "并", 0.95, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(R.f[LOC_PEOPLE].conf <= LOC_FIELDS_BROKEN_CONF);
	/* A name with a close second name: 0.6 / (0.6 + 0.35 + 0.05). */
	p.people = "回";
	front(&p, 0, 11, &ix);
	cands(ix.people, 0, "回", 0.6, "白", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(R.f[LOC_PEOPLE].conf > 0.59 && R.f[LOC_PEOPLE].conf < 0.61);

	/* The table itself: 56 names, 汉 first, 基诺 last. */
	CHECK(loc_ethnic_count == 56);
	CHECK_STR(loc_ethnic_names[0], "汉");
	CHECK_STR(loc_ethnic_names[55], "基诺");
}

/* ---- address ---- */

static void
test_address(void)
{
	struct front_ix ix;
	struct person p = zhang;
	char id[19];

	/* 颍 read as 颖 in the county of the number's region 341202. */
	make_id("34120219920822123", id);
	p.number = id;
	p.address = "安徽省阜阳市颖州区清河路8号";
	front(&p, 0, 11, &ix);
	cands(ix.addr[0], 6, "颖", 0.6, "颍", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), "安徽省阜阳市颍州区清河路8号");
	CHECK(changes(LOC_ADDRESS, LOC_WHY_ADDRESS_REGION) == 1);
	CHECK(!is_low(LOC_ADDRESS));

	/* 颍 not among the alternatives: nothing. */
	front(&p, 0, 11, &ix);
	cands(ix.addr[0], 6, "颖", 0.6, "颕", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), p.address);
	CHECK(R.nchanges == 0);
	CHECK(is_low(LOC_ADDRESS));

	/* The person moved: the address names another region, so the
	 * number's names say nothing about it. */
	p.address = "江西省赣州市颖州路8号";
	front(&p, 0, 25, &ix);
	cands(ix.addr[0], 6, "颖", 0.6, "颍", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), p.address);
	CHECK(R.nchanges == 0);

	/* The city left out: 安徽省颍上县... with 颍 read 颖 (code 341226). */
	make_id("34122619920822123", id);
	p.number = id;
	p.address = "安徽省颖上县城关镇1号";
	front(&p, 0, 11, &ix);
	cands(ix.addr[0], 3, "颖", 0.6, "颍", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), "安徽省颍上县城关镇1号");
	CHECK(changes(LOC_ADDRESS, LOC_WHY_ADDRESS_REGION) == 1);

	/* A neighbouring county read right (颍东区, a real name) stays even
	 * with the number's 颍州区 among the alternatives. */
	make_id("34120219920822123", id);
	p.number = id;
	p.address = "安徽省阜阳市颍东区清河路8号";
	front(&p, 0, 11, &ix);
	cands(ix.addr[0], 7, "东", 0.6, "州", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), p.address);
	CHECK(R.nchanges == 0);

	/* An invalid number gives no evidence. */
	make_id("34122619920822123", id);
	p.address = "安徽省颖上县城关镇1号";
	id[17] = id[17] == '1' ? '2' : '1';
	front(&p, 0, 11, &ix);
	cands(ix.addr[0], 3, "颖", 0.6, "颍", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), p.address);
	CHECK(changes(LOC_ADDRESS, LOC_WHY_ADDRESS_REGION) == 0);

	/* The address's wrapped lines in order, even with a stray line on
	 * the portrait. */
	front(&zhang, NOISE, 11, &ix);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ADDRESS), zhang.address);
}

/* ---- the back ---- */

struct back_ix {
	int auth, valid;
};

static void
back(const char *authority, const char *validity, int merged, int noise,
    struct back_ix *ix)
{
	char buf[256];

	memset(&C, 0, sizeof(C));
	memset(ix, -1, sizeof(*ix));
	add(0.32f, 0.09f, 0.075f, "中华人民共和国", 0.99f);
	add(0.28f, 0.24f, 0.12f, "居民身份证", 0.99f);
	if (noise) {
		add(0.10f, 0.15f, 0.05f, "样本", 0.8f); /* on the emblem */
		add(0.40f, 0.015f, 0.06f, "样本SPECIMEN·非真实证件", 0.9f);
	}
	if (merged) {
		snprintf(buf, sizeof(buf), "签发机关%s", authority);
		ix->auth = add(0.22f, 0.71f - UP, VAL, buf, 0.99f);
		if (validity != NULL) {
			snprintf(buf, sizeof(buf), "有效期限%s", validity);
			ix->valid = add(0.22f, 0.83f - UP, VAL, buf, 0.99f);
		}
	} else {
		add(0.22f, 0.71f, LAB, "签发机关", 0.99f);
		ix->auth = add(0.40f, 0.71f - UP, VAL, authority, 0.99f);
		if (validity != NULL) {
			add(0.22f, 0.83f, LAB, "有效期限", 0.99f);
			ix->valid = add(0.40f, 0.83f - UP, VAL, validity, 0.99f);
		}
	}
}

static void
test_back(void)
{
	struct back_ix ix;
	int m, noise;

	for (m = 0; m < 2; m++)
		for (noise = 0; noise < 2; noise++) {
			back("瑞金市公安局", "2017.07.19-2027.07.19", m, noise,
			    &ix);
			CHECK(read_card(LOC_SIDE_BACK) == 0);
			CHECK_STR(F(LOC_AUTHORITY), "瑞金市公安局");
			CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");
			CHECK(R.nchanges == 0 && R.nlow == 0);
			CHECK(!R.f[LOC_NAME].found && !R.f[LOC_ID_NUMBER].found);
		}
	back("广州市公安局海珠分局", "2015.03.01-长期", 0, 0, &ix);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "广州市公安局海珠分局");
	CHECK_STR(F(LOC_VALIDITY), "2015.03.01-长期");
	CHECK(R.nchanges == 0 && R.nlow == 0);

	/* The title misread by one character is still a title. */
	back("瑞金市公安局", "2017.07.19-2027.07.19", 0, 0, &ix);
	cands(1, 2, "身", 0.5, NULL);
	cands(1, 3, "分", 0.5, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "瑞金市公安局");
}

static void
test_authority(void)
{
	struct back_ix ix;

	/* The real back's 瑞 read as 驻 (what Tesseract did): 瑞金市 is the
	 * only GB/T 2260 name the alternatives spell. */
	back("驻金市公安局", "2017.07.19-2027.07.19", 0, 0, &ix);
	cands(ix.auth, 0, "驻", 0.6, "瑞", 0.3, "骓", 0.05, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "瑞金市公安局");
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_REGION) == 1);
	CHECK(!is_low(LOC_AUTHORITY));

	/* 瑞 not among them: kept. */
	back("驻金市公安局", "2017.07.19-2027.07.19", 0, 0, &ix);
	cands(ix.auth, 0, "驻", 0.6, "骓", 0.3, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "驻金市公安局");
	CHECK(R.nchanges == 0 && is_low(LOC_AUTHORITY));

	/* 公安居 -> 公安局. */
	back("瑞金市公安居", "2017.07.19-2027.07.19", 1, 0, &ix);
	cands(ix.auth, 4 + 5, "居", 0.6, "局", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "瑞金市公安局");
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_SUFFIX) == 1);

	/* 分居 at the end of a district authority -> 分局, 海株 -> 海珠. */
	back("广州市公安局海株分居", "2015.03.01-长期", 0, 0, &ix);
	cands(ix.auth, 9, "居", 0.6, "局", 0.35, NULL);
	cands(ix.auth, 7, "株", 0.6, "珠", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "广州市公安局海珠分局");
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_SUFFIX) == 1);
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_REGION) == 1);

	/* The district before 分局 is one of the city's own: 销江 with 镇
	 * and 锦 among the alternatives is 成都's 锦江 (镇江 is another
	 * province's city); with 镇 alone it stays as read and flagged. */
	back("成都市公安局销江分局", "2015.03.01-长期", 0, 0, &ix);
	cands(ix.auth, 6, "销", 0.5, "镇", 0.3, "锦", 0.15, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "成都市公安局锦江分局");
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_REGION) == 1);
	back("成都市公安局销江分局", "2015.03.01-长期", 0, 0, &ix);
	cands(ix.auth, 6, "销", 0.6, "镇", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "成都市公安局销江分局");
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_REGION) == 0);
	CHECK(is_low(LOC_AUTHORITY));
	/* 北京市 is a province-level city: its districts are 1101xx. */
	back("北京市公安局东域分局", "2015.03.01-长期", 0, 0, &ix);
	cands(ix.auth, 7, "域", 0.6, "城", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "北京市公安局东城分局");

	/* Short form of an autonomous prefecture: 恩施州, 施 read 旋. */
	back("恩旋州公安局", "2015.03.01-2035.03.01", 0, 0, &ix);
	cands(ix.auth, 1, "旋", 0.6, "施", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_AUTHORITY), "恩施州公安局");
	CHECK(changes(LOC_AUTHORITY, LOC_WHY_AUTH_REGION) == 1);
}

static void
test_validity(void)
{
	struct back_ix ix;

	/* 2027 read as 2021, 7 among the alternatives: the only reading with
	 * a 10-year period. */
	back("瑞金市公安局", "2017.07.19-2021.07.19", 0, 0, &ix);
	cands(ix.valid, 14, "1", 0.6, "7", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");
	CHECK(changes(LOC_VALIDITY, LOC_WHY_PERIOD) == 1);
	CHECK(!is_low(LOC_VALIDITY));

	/* 2045 from 2015 (30 years), alternatives 3 and 2 both make a
	 * period (20 and 10 years): no choice. */
	back("瑞金市公安局", "2015.03.01-2045.03.01", 0, 0, &ix);
	cands(ix.valid, 13, "4", 0.5, "3", 0.25, "2", 0.2, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2015.03.01-2045.03.01");
	CHECK(R.nchanges == 0 && is_low(LOC_VALIDITY));

	/* The right digit absent: nothing. */
	back("瑞金市公安局", "2017.07.19-2021.07.19", 0, 0, &ix);
	cands(ix.valid, 14, "1", 0.6, "4", 0.35, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2021.07.19");
	CHECK(R.nchanges == 0 && is_low(LOC_VALIDITY));

	/* A valid reading whose unsure digit has an alternative that is also
	 * valid (2035 / 2025): kept, but not confident. */
	back("瑞金市公安局", "2015.03.01-2035.03.01", 0, 0, &ix);
	cands(ix.valid, 13, "3", 0.55, "2", 0.4, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2015.03.01-2035.03.01");
	CHECK(R.nchanges == 0 && is_low(LOC_VALIDITY));

	/* Separators as read (一 for -, , for .) and O for 0: the form. */
	back("瑞金市公安局", "2015,03.01一2035.O3.01", 0, 0, &ix);
	cands(ix.valid, 16, "O", 0.9, "0", 0.08, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2015.03.01-2035.03.01");
	CHECK(changes(LOC_VALIDITY, LOC_WHY_FORM) == 1);

	/* 长期 with 期 read as 朗. */
	back("瑞金市公安局", "2015.03.01-长朗", 1, 0, &ix);
	cands(ix.valid, 4 + 12, "朗", 0.6, "期", 0.38, NULL);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2015.03.01-长期");
	CHECK(changes(LOC_VALIDITY, LOC_WHY_FORM) == 1);

	/* Full-width digits and a merged label. */
	back("瑞金市公安局", "２０１７.０７.１９-２０２７.０７.１９", 1, 0, &ix);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");
	CHECK(R.nchanges == 0);

	/* A validity period without its label still found by its digits. */
	memset(&C, 0, sizeof(C));
	add(0.22f, 0.71f, LAB, "签发机关", 0.99f);
	add(0.40f, 0.71f - UP, VAL, "瑞金市公安局", 0.99f);
	add(0.40f, 0.83f - UP, VAL, "2017.07.19-2027.07.19", 0.99f);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");

	/* 29 February start: ends 28 February or 1 March. */
	back("瑞金市公安局", "2016.02.29-2026.03.01", 0, 0, &ix);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK(R.nlow == 0);
}

/* ---- low confidence and arguments ---- */

static void
test_low_confidence(void)
{
	struct front_ix ix;

	CHECK(LOC_FIELDS_LOW_CONF > 0.79 && LOC_FIELDS_LOW_CONF < 0.81);
	/* A name character at 0.7: below the threshold; at 0.85: not. */
	front(&zhang, 0, 11, &ix);
	cands(ix.name, 1, "三", 0.7, "二", 0.2, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_NAME), "张三");
	CHECK(R.f[LOC_NAME].conf > 0.69 && R.f[LOC_NAME].conf < 0.71);
	CHECK(R.nlow == 1 && R.low[0] == LOC_NAME);
	front(&zhang, 0, 11, &ix);
	cands(ix.name, 1, "三", 0.85, "二", 0.1, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(R.nlow == 0);
	/* The low list is in field order. */
	front(&zhang, 0, 11, &ix);
	cands(ix.name, 1, "三", 0.7, NULL);
	cands(ix.addr[1], 0, "浸", 0.5, NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(R.nlow == 2 && R.low[0] == LOC_NAME && R.low[1] == LOC_ADDRESS);
	CHECK_STR(loc_field_name(LOC_AUTHORITY), "issue_authority");
	CHECK_STR(loc_field_name(LOC_ID_NUMBER), "id_number");
}

static void
test_args(void)
{
	struct fz_err err;
	static struct ocr_line many[300];

	CHECK(loc_fields_read(NULL, 0, LOC_SIDE_FRONT, &R, &err) == 0);
	CHECK(R.side == LOC_SIDE_FRONT && R.nlow == 6);
	CHECK(loc_fields_read(NULL, 3, LOC_SIDE_FRONT, &R, &err) == -1);
	CHECK(loc_fields_read(C.l, 1, LOC_SIDE_FRONT, NULL, &err) == -1);
	CHECK(loc_fields_read(many, 300, LOC_SIDE_FRONT, &R, &err) == -1);
	CHECK(strstr(err.msg, "300") != NULL);
	/* Garbage probabilities and positions are clamped, not trusted. */
	memset(&C, 0, sizeof(C));
	add(0.07f, 0.12f, LAB, "姓名", 0.99f);
	add(0.17f, 0.12f, VAL, "张三", 0.99f);
	C.l[1].chars[0].prob[0] = 7.0f;
	C.l[1].chars[1].prob[0] = -1.0f;
	C.l[1].chars[1].nalt = 99;
	C.l[1].nbox[2].x = 5.0f;
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(R.f[LOC_NAME].conf >= 0.0 && R.f[LOC_NAME].conf <= 1.0);
}

/* ocr_line helpers */
static void
test_ocr_line(void)
{
	struct ocr_line *l = &C.l[0];
	const char *s = "\xc0\xaf" "a";
	char u[5];

	CHECK(ocr_line_set(l, CW, CHH, 0.1f, 0.1f, 0.5f, 0.2f, "颍上", 0.9f) == 0);
	CHECK(l->nchars == 2 && strcmp(l->text, "颍上") == 0);
	CHECK(l->box[1].x > 599.0f && l->box[1].x < 601.0f);
	{
		const char *q = "颖";

		CHECK(ocr_line_alt(l, 0, ocr_utf8_next(&q), 0.95f) == 0);
	}
	CHECK_STR(l->text, "颖上");
	{
		const char *q = "颍";

		CHECK(l->chars[0].nalt == 2 &&
		    l->chars[0].cp[1] == ocr_utf8_next(&q));
	}
	CHECK(ocr_line_alt(l, 5, 'a', 0.1f) == -1);
	CHECK(ocr_utf8_next(&s) == 0xfffd); /* overlong */
	CHECK(ocr_utf8_put(0x10ffff, u) == 4 && ocr_utf8_put(0xd800, u) == 0);
}

/* A long label with one character lost by the recogniser: the value keeps
 * its first character (有效期2017... is not 有效期限 + 017...). */
static void
test_lost_label_char(void)
{
	struct back_ix ix;
	struct front_ix fx;
	char buf[64];

	memset(&C, 0, sizeof(C));
	add(0.32f, 0.09f, 0.075f, "中华人民共和国", 0.99f);
	add(0.28f, 0.24f, 0.12f, "居民身份证", 0.99f);
	add(0.22f, 0.71f - UP, VAL, "签发关瑞金市公安局", 0.99f);
	add(0.22f, 0.83f - UP, VAL, "有效期2017.07.19-2027.07.19", 0.99f);
	CHECK(read_card(LOC_SIDE_AUTO) == 0);
	CHECK(R.side == LOC_SIDE_BACK);
	CHECK_STR(F(LOC_AUTHORITY), "瑞金市公安局");
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");
	CHECK(R.nlow == 0);
	/* The character lost in the middle of the label. */
	back("瑞金市公安局", NULL, 1, 0, &ix);
	add(0.22f, 0.83f - UP, VAL, "有效限2017.07.19-2027.07.19", 0.99f);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");
	/* A misread (not lost) last character still counts as the label's:
	 * 有效期眼 + the value. */
	back("瑞金市公安局", NULL, 1, 0, &ix);
	add(0.22f, 0.83f - UP, VAL, "有效期眼2017.07.19-2027.07.19", 0.99f);
	CHECK(read_card(LOC_SIDE_BACK) == 0);
	CHECK_STR(F(LOC_VALIDITY), "2017.07.19-2027.07.19");
	/* 公民身份号 + the number: 码 lost. */
	front(&zhang, NUMMERGED, 11, &fx);
	CHECK((size_t)fx.number == C.n - 1); /* the last line: replaced */
	C.n--;
	snprintf(buf, sizeof(buf), "公民身份号%s", zhang_id);
	add(0.07f, 0.82f - UP, NUMH, buf, 0.99f);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
}

/*
 * Labels erased by blur on two rows, so the rows' count cannot place them:
 * the layout's rows do, from the read label (or the number's line) nearest.
 */
static void
layout_card(int name_label, int number_label)
{
	memset(&C, 0, sizeof(C));
	add(0.07f, 0.12f, LAB, name_label ? "姓名" : "娃各", 0.99f);
	add(0.17f, 0.12f - UP, VAL, "张三", 0.99f);
	add(0.07f, 0.24f, LAB, "3", 0.4f); /* 性别 misread */
	add(0.17f, 0.24f - UP, VAL, "男", 0.99f);
	add(0.40f, 0.24f - UP, VAL, "汉", 0.99f); /* 民族 lost */
	add(0.17f, 0.36f - UP, VAL, "1992年8月22日", 0.99f); /* 出生 lost */
	add(0.07f, 0.48f, LAB, "ON", 0.3f); /* 住址 misread */
	add(0.17f, 0.48f - UP, VAL, "广东省清远市清新区", 0.99f);
	add(0.17f, 0.48f - UP + 0.065f, VAL, "浸潭镇鸡见坑村委会下围村2号",
	    0.99f);
	if (number_label)
		add(0.07f, 0.82f, LAB, "公民身份号码", 0.99f);
	add(0.32f, 0.82f - 6.0f / CHH, NUMH, zhang_id, 0.99f);
}

static void
test_layout_rows(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		/* k 0: 姓名 and the number's label read; k 1: neither, the
		 * number's line alone gives the rows. */
		layout_card(k == 0, k == 0);
		CHECK(read_card(LOC_SIDE_FRONT) == 0);
		CHECK_STR(F(LOC_NAME), "张三");
		CHECK_STR(F(LOC_SEX), "男");
		CHECK_STR(F(LOC_PEOPLE), "汉");
		CHECK_STR(F(LOC_BIRTHDAY), "1992年8月22日");
		CHECK_STR(F(LOC_ADDRESS), zhang.address);
		CHECK_STR(F(LOC_ID_NUMBER), zhang_id);
	}
	/* A second line as near the 性别 row's place but on another row:
	 * no row is sure, and the sex is not guessed. */
	layout_card(1, 1);
	add(0.17f, 0.24f + 0.035f, LAB, "女", 0.5f);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
	CHECK(!R.f[LOC_SEX].found);
}

/*
 * Line li becomes text over x0..x1 (its row kept), its characters at the
 * card fractions xs: a label and its value read as one box.
 */
static void
reset_line(int li, float x0, float x1, const char *text, const float *xs)
{
	struct ocr_line *l = &C.l[li];
	float y0 = l->nbox[0].y, y1 = l->nbox[2].y;
	size_t i;

	CHECK(ocr_line_set(l, CW, CHH, x0, y0, x1, y1, text, 0.95f) == 0);
	for (i = 0; xs != NULL && i < l->nchars; i++) {
		l->chars[i].nx = xs[i];
		l->chars[i].x = xs[i] * CW;
	}
}

/*
 * Field f's label and value on one box: the label line of the front with
 * person p becomes text over x0..x1 (characters at xs, or evenly), the
 * value's line empty; reads the card.
 */
static void
merged_label(const struct person *p, enum loc_field f, float x0, float x1,
    const char *text, const float *xs)
{
	struct front_ix ix;
	int li;

	front(p, 0, 11, &ix);
	li = f == LOC_NAME ? ix.name : ix.people;
	reset_line(li - 1, x0, x1, text, xs);
	reset_line(li, 0.40f, 0.40f, "", NULL);
	CHECK(read_card(LOC_SIDE_FRONT) == 0);
}

/* A 2-character label whose second character was lost: the next one, as
 * far on as a value starts, is the value's, not the label's misread. */
static void
test_label_lost_second(void)
{
	static const float name_x[] = { 0.08f, 0.18f, 0.225f, 0.27f };
	static const float people_x[] = { 0.31f, 0.41f, 0.455f, 0.50f };
	struct person p = zhang;

	p.name = "朱明伟";
	merged_label(&p, LOC_NAME, 0.07f, 0.29f, "姓朱明伟", name_x);
	CHECK_STR(F(LOC_NAME), "朱明伟");
	/* The same characters a label's pitch apart: 朱 is 名 misread. */
	merged_label(&p, LOC_NAME, 0.07f, 0.20f, "姓朱明伟", NULL);
	CHECK_STR(F(LOC_NAME), "明伟");
	/* 民族 not read: 民 and the value 维吾尔 one box on 性别's row. */
	p = zhang;
	p.people = "维吾尔";
	merged_label(&p, LOC_PEOPLE, 0.30f, 0.52f, "民维吾尔", people_x);
	CHECK_STR(F(LOC_PEOPLE), "维吾尔");
	CHECK_STR(F(LOC_SEX), "男");
}

int
main(void)
{
	make_id("44180319920822123", zhang_id);
	zhang.number = zhang_id;
	test_ocr_line();
	test_layouts();
	test_side_auto();
	test_missing_and_noise();
	test_fullwidth();
	test_fuzzy_labels();
	test_lost_label_char();
	test_layout_rows();
	test_label_lost_second();
	test_number_form();
	test_number_check();
	test_number_ambiguous();
	test_number_printed();
	test_number_doubt();
	test_number_property();
	test_one_cases();
	test_birthday();
	test_sex();
	test_people();
	test_address();
	test_back();
	test_authority();
	test_validity();
	test_low_confidence();
	test_args();
	return unit_done("loc_fields");
}
