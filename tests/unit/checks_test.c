/* Unit tests for checks.c: printed fields, the validity period, the number's checks, and pair-level checks. */
#include <stdlib.h>

#include "checks.h"
#include "record.h"
#include "unit.h"

/* The day every test is run "as of". */
static const struct checks_opts asof = { 2026, 5, 1 };

static const char *
path_str(const json_t *j, const char *a, const char *b)
{
	const json_t *v = json_object_get(j, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_string_value(v);
}

/* checks.<a>.<b> as a string (b may be NULL). */
static const char *
chk(const json_t *rec, const char *a, const char *b)
{
	return path_str(json_object_get(rec, "checks"), a, b);
}

static const json_t *
chkv(const json_t *rec, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(rec, "checks"), a);

	return b != NULL ? json_object_get(v, b) : v;
}

/* How many warnings of code rec carries. */
static int
nwarn(const json_t *rec, const char *code)
{
	const json_t *w = json_object_get(rec, "warnings");
	size_t i;
	int k = 0;

	for (i = 0; i < json_array_size(w); i++)
		if (strcmp(path_str(json_array_get(w, i), "code", NULL),
		    code) == 0)
			k++;
	return k;
}

static size_t
nwarnings(const json_t *rec)
{
	return json_array_size(json_object_get(rec, "warnings"));
}

static json_t *
front(const char *id, const char *sex, const char *birthday)
{
	json_t *r = record_new("cards/zhang_front.jpg", "faiz");

	json_object_set_new(r, "side", json_string("front"));
	json_object_set_new(r, "name", json_string("张三"));
	if (id != NULL)
		json_object_set_new(r, "id_number", json_string(id));
	if (sex != NULL)
		json_object_set_new(r, "sex", json_string(sex));
	if (birthday != NULL)
		json_object_set_new(r, "birthday", json_string(birthday));
	return r;
}

static json_t *
back(const char *side, const char *validity, const char *authority)
{
	json_t *r = record_new("cards/zhang_back.jpg", "faiz");

	json_object_set_new(r, "side", json_string(side));
	if (validity != NULL)
		json_object_set_new(r, "validity", json_string(validity));
	if (authority != NULL)
		json_object_set_new(r, "issue_authority",
		    json_string(authority));
	return r;
}

static void
test_birthday(void)
{
	int y, m, d;

	CHECK(checks_parse_birthday("1992年8月22日", &y, &m, &d) == 0);
	CHECK(y == 1992 && m == 8 && d == 22);
	CHECK(checks_parse_birthday("1992年08月02日", &y, &m, &d) == 0);
	CHECK(y == 1992 && m == 8 && d == 2);
	CHECK(checks_parse_birthday(" 2000 年 2 月 29 日 ", &y, &m, &d) == 0);
	CHECK(y == 2000 && m == 2 && d == 29);
	CHECK(checks_parse_birthday("1992-08-22", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("92年8月22日", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("1992年13月1日", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("1900年2月29日", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("1992年8月22", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("1992年8月22日x", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("1992年008月1日", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday("", &y, &m, &d) == -1);
	CHECK(checks_parse_birthday(NULL, &y, &m, &d) == -1);
}

static void
test_validity_parse(void)
{
	int sy, sm, sd, ey, em, ed;

	CHECK(checks_parse_validity("2015.03.01-2035.03.01", &sy, &sm, &sd,
	    &ey, &em, &ed) == 0);
	CHECK(sy == 2015 && sm == 3 && sd == 1 && ey == 2035 && em == 3 &&
	    ed == 1);
	CHECK(checks_parse_validity(" 2015.03.01-长期 ", &sy, &sm, &sd, &ey,
	    &em, &ed) == 0);
	CHECK(sy == 2015 && sm == 3 && sd == 1 && ey == 0 && em == 0 &&
	    ed == 0);
	CHECK(checks_parse_validity("2015.3.1-2035.3.1", &sy, &sm, &sd, &ey,
	    &em, &ed) == -1);
	CHECK(sy == 0 && ey == 0);
	CHECK(checks_parse_validity("2015-03-01-2035-03-01", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01—2035.03.01", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01 - 2035.03.01", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01-2035.02.30", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity("2035.03.01-2015.03.01", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01-2015.03.01", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01-", &sy, &sm, &sd, &ey, &em,
	    &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01-长期x", &sy, &sm, &sd, &ey,
	    &em, &ed) == -1);
	CHECK(checks_parse_validity("20150301-20350301", &sy, &sm, &sd, &ey,
	    &em, &ed) == -1);
	CHECK(checks_parse_validity("2015.03.01-2035.03.01.", &sy, &sm, &sd,
	    &ey, &em, &ed) == -1);
	CHECK(checks_parse_validity(NULL, &sy, &sm, &sd, &ey, &em, &ed) == -1);
}

static void
test_front_ok(void)
{
	json_t *r = front("440105199208221233", "男", "1992年8月22日");
	const json_t *reg;

	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_is_true(chkv(r, "id_number", "valid")));
	CHECK_STR(chk(r, "id_number", "normalised"), "440105199208221233");
	CHECK_STR(chk(r, "id_number", "structure"), "pass");
	CHECK_STR(chk(r, "id_number", "check_digit"), "pass");
	CHECK_STR(chk(r, "id_number", "birth_date"), "pass");
	CHECK_STR(chk(r, "id_number", "region"), "pass");
	CHECK_STR(chk(r, "id_number", "sex"), "pass");
	CHECK_STR(chk(r, "id_number", "birthday"), "pass");
	CHECK_STR(chk(r, "birth_date", NULL), "1992-08-22");
	CHECK(json_integer_value(chkv(r, "age", NULL)) == 33);
	CHECK_STR(chk(r, "sex", NULL), "男");
	reg = chkv(r, "region", NULL);
	CHECK_STR(path_str(reg, "code", NULL), "440105");
	CHECK_STR(path_str(reg, "province", NULL), "广东省");
	CHECK_STR(path_str(reg, "city", NULL), "广州市");
	CHECK_STR(path_str(reg, "county", NULL), "海珠区");
	CHECK(json_is_true(json_object_get(reg, "in_force")));
	CHECK(chkv(r, "validity", NULL) == NULL);
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	/* Zero-padded birthday, female number, missing printed sex: skip. */
	r = front("440105199208221241", NULL, "1992年08月22日");
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "sex", NULL), "女");
	CHECK_STR(chk(r, "id_number", "sex"), "skip");
	CHECK_STR(chk(r, "id_number", "birthday"), "pass");
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	/* On the 34th birthday, and the day before it. */
	r = checks_id_record("440105199205011230", &asof);
	CHECK(json_integer_value(chkv(r, "age", NULL)) == 34);
	json_decref(r);
	r = checks_id_record("440105199205021236", &asof);
	CHECK(json_integer_value(chkv(r, "age", NULL)) == 33);
	json_decref(r);
}

static void
test_front_mismatch(void)
{
	json_t *r = front("440105199208221233", "女", "1992年8月23日");

	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_is_true(chkv(r, "id_number", "valid")));
	CHECK_STR(chk(r, "id_number", "sex"), "fail");
	CHECK_STR(chk(r, "id_number", "birthday"), "fail");
	CHECK(nwarn(r, "sex_mismatch") == 1);
	CHECK(nwarn(r, "birthday_mismatch") == 1);
	CHECK(nwarn(r, "invalid_id") == 0);
	CHECK(nwarnings(r) == 2);
	json_decref(r);

	r = front("440105199208221233", "男", "1992.08.22");
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "birthday"), "warn");
	CHECK(nwarn(r, "birthday_unparsed") == 1);
	CHECK(nwarnings(r) == 1);
	json_decref(r);

	/* A printed sex that is neither: not compared. */
	r = front("440105199208221233", "未知", NULL);
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "sex"), "skip");
	CHECK_STR(chk(r, "id_number", "birthday"), "skip");
	CHECK(nwarnings(r) == 0);
	json_decref(r);
}

static void
test_front_invalid(void)
{
	json_t *r;
	const char *msg;

	/* Wrong check character. */
	r = front("440105199208221234", "男", "1992年8月22日");
	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_is_false(chkv(r, "id_number", "valid")));
	CHECK_STR(chk(r, "id_number", "check_digit"), "fail");
	CHECK_STR(chk(r, "id_number", "birth_date"), "pass");
	CHECK_STR(chk(r, "id_number", "birthday"), "pass");
	CHECK(nwarn(r, "invalid_id") == 1);
	msg = path_str(json_array_get(json_object_get(r, "warnings"), 0),
	    "message", NULL);
	/* Messages never quote the number, so --mask need not look at them. */
	CHECK(msg != NULL && strstr(msg, "44010519920822") == NULL);
	json_decref(r);

	/* 30 February. */
	r = front("440105199202301232", NULL, "1992年2月30日");
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "birth_date"), "fail");
	CHECK_STR(chk(r, "id_number", "check_digit"), "pass");
	CHECK(json_is_null(chkv(r, "birth_date", NULL)));
	CHECK(json_is_null(chkv(r, "age", NULL)));
	CHECK(nwarn(r, "invalid_id") == 1);
	CHECK(nwarn(r, "birthday_unparsed") == 1);
	json_decref(r);

	/* Born after the as-of date. */
	r = front("440105202701011234", NULL, NULL);
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "birth_date"), "fail");
	CHECK_STR(chk(r, "birth_date", NULL), "2027-01-01");
	CHECK(json_is_null(chkv(r, "age", NULL)));
	CHECK(nwarn(r, "invalid_id") == 1);
	json_decref(r);

	/* No number, or no structure: everything else is skipped. */
	r = front(NULL, "男", "1992年8月22日");
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "structure"), "fail");
	CHECK_STR(chk(r, "id_number", "check_digit"), "skip");
	CHECK_STR(chk(r, "id_number", "sex"), "skip");
	CHECK_STR(chk(r, "id_number", "birthday"), "skip");
	CHECK(json_is_null(chkv(r, "id_number", "normalised")));
	CHECK(json_is_null(chkv(r, "region", NULL)));
	CHECK(json_is_null(chkv(r, "sex", NULL)));
	CHECK(nwarn(r, "invalid_id") == 1);
	CHECK(nwarnings(r) == 1);
	json_decref(r);

	r = front("44010519920822123", NULL, NULL);
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "structure"), "fail");
	CHECK(nwarn(r, "invalid_id") == 1);
	json_decref(r);
}

static void
test_front_region(void)
{
	json_t *r;

	/* 440101: a roll-up of 广州市 the lists omit. */
	r = front("440101200006151230", NULL, NULL);
	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_is_true(chkv(r, "id_number", "valid")));
	CHECK_STR(chk(r, "id_number", "region"), "warn");
	CHECK(nwarn(r, "region_rollup") == 1);
	CHECK(nwarn(r, "invalid_id") == 0);
	CHECK_STR(path_str(chkv(r, "region", NULL), "city", NULL), "广州市");
	CHECK(json_is_null(json_object_get(chkv(r, "region", NULL),
	    "county")));
	json_decref(r);

	/* 440102 东山区 was merged away in 2005: not for someone born 2010. */
	r = front("44010220100101123X", NULL, NULL);
	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_is_true(chkv(r, "id_number", "valid")));
	CHECK_STR(chk(r, "id_number", "region"), "warn");
	CHECK(nwarn(r, "region_not_in_force") == 1);
	CHECK(json_is_false(json_object_get(chkv(r, "region", NULL),
	    "in_force")));
	json_decref(r);

	r = front("449999199001011230", NULL, NULL);
	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_is_true(chkv(r, "id_number", "valid")));
	CHECK(nwarn(r, "region_unknown") == 1);
	CHECK(nwarnings(r) == 1);
	json_decref(r);
}

/* The back's validity checks: 0 warnings of code expected else 1. */
static json_t *
back_checked(const char *side, const char *validity,
    const struct checks_opts *o)
{
	json_t *r = back(side, validity, NULL);

	CHECK(checks_record(r, o) == 0);
	return r;
}

static void
test_back_periods(void)
{
	json_t *r;
	const json_t *v;

	r = back_checked("back", "2015.03.01-2035.03.01", &asof);
	v = chkv(r, "validity", NULL);
	CHECK_STR(path_str(v, "start", NULL), "2015-03-01");
	CHECK_STR(path_str(v, "end", NULL), "2035-03-01");
	CHECK(json_is_false(json_object_get(v, "long_term")));
	CHECK(json_integer_value(json_object_get(v, "years")) == 20);
	CHECK(json_is_false(json_object_get(v, "expired")));
	CHECK(json_is_false(json_object_get(v, "not_yet_valid")));
	CHECK_STR(path_str(v, "period", NULL), "pass");
	CHECK(chkv(r, "id_number", NULL) == NULL);
	CHECK(json_object_get(v, "months") == NULL);
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	r = back_checked("back", "2020.01.10-2030.01.10", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 10);
	CHECK_STR(chk(r, "validity", "period"), "pass");
	json_decref(r);

	r = back_checked("back", "2022.12.31-2027.12.31", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 5);
	CHECK_STR(chk(r, "validity", "period"), "pass");
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	r = back_checked("back", "2010.07.01-长期", &asof);
	CHECK(json_is_true(chkv(r, "validity", "long_term")));
	CHECK(json_is_null(chkv(r, "validity", "end")));
	CHECK(json_is_null(chkv(r, "validity", "years")));
	CHECK(json_is_false(chkv(r, "validity", "expired")));
	CHECK_STR(chk(r, "validity", "period"), "pass");
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	/* Seven years: not a period the law knows. */
	r = back_checked("back", "2020.01.10-2027.01.10", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 7);
	CHECK_STR(chk(r, "validity", "period"), "fail");
	CHECK(nwarn(r, "validity_period") == 1);
	json_decref(r);

	/* Ten years and a day. */
	r = back_checked("back", "2020.01.10-2030.01.11", &asof);
	CHECK(json_is_null(chkv(r, "validity", "years")));
	CHECK_STR(chk(r, "validity", "period"), "fail");
	CHECK(nwarn(r, "validity_period") == 1);
	json_decref(r);

	r = back_checked("back", "2015.3.1-2035.3.1", &asof);
	CHECK(nwarn(r, "validity_unparsed") == 1);
	CHECK_STR(chk(r, "validity", "period"), "skip");
	CHECK(json_is_null(chkv(r, "validity", "start")));
	CHECK(json_is_null(chkv(r, "validity", "expired")));
	CHECK(nwarnings(r) == 1);
	json_decref(r);

	r = back_checked("back", NULL, &asof);
	CHECK(nwarn(r, "validity_unparsed") == 1);
	json_decref(r);
}

static void
test_back_dates(void)
{
	const struct checks_opts next = { 2026, 5, 2 }, none = { 0, 0, 0 };
	json_t *r;

	/* The end date itself is still a valid day. */
	r = back_checked("back", "2006.05.01-2026.05.01", &asof);
	CHECK(json_is_false(chkv(r, "validity", "expired")));
	CHECK(nwarn(r, "expired") == 0);
	json_decref(r);
	r = back_checked("back", "2006.05.01-2026.05.01", &next);
	CHECK(json_is_true(chkv(r, "validity", "expired")));
	CHECK(nwarn(r, "expired") == 1);
	json_decref(r);

	/* Valid from tomorrow; from today is fine. */
	r = back_checked("back", "2026.05.02-2046.05.02", &asof);
	CHECK(json_is_true(chkv(r, "validity", "not_yet_valid")));
	CHECK(nwarn(r, "not_yet_valid") == 1);
	json_decref(r);
	r = back_checked("back", "2026.05.01-2046.05.01", &asof);
	CHECK(json_is_false(chkv(r, "validity", "not_yet_valid")));
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	/* No as-of date: nothing said about expiry. */
	r = back_checked("back", "2006.05.01-2016.05.01", &none);
	CHECK(json_is_null(chkv(r, "validity", "expired")));
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	/* A 29 February start ends on 28 February or 1 March in a common year. */
	r = back_checked("back", "2004.02.29-2024.02.29", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 20);
	CHECK(nwarn(r, "validity_period") == 0);
	CHECK(nwarn(r, "expired") == 1);
	json_decref(r);
	r = back_checked("back", "2008.02.29-2028.02.29", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 20);
	json_decref(r);
	r = back_checked("back", "2016.02.29-2026.02.28", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 10);
	CHECK_STR(chk(r, "validity", "period"), "pass");
	json_decref(r);
	r = back_checked("back", "2016.02.29-2026.03.01", &asof);
	CHECK(json_integer_value(chkv(r, "validity", "years")) == 10);
	CHECK_STR(chk(r, "validity", "period"), "pass");
	json_decref(r);
	r = back_checked("back", "2016.02.29-2026.03.02", &asof);
	CHECK_STR(chk(r, "validity", "period"), "fail");
	json_decref(r);
	r = back_checked("back", "2016.02.28-2026.03.01", &asof);
	CHECK_STR(chk(r, "validity", "period"), "fail");
	json_decref(r);
}

static void
test_temporary(void)
{
	json_t *r;

	r = back("temporary", "2026.01.15-2026.04.15", NULL);
	json_object_set_new(r, "id_number", json_string("440105199208221233"));
	json_object_set_new(r, "sex", json_string("男"));
	CHECK(checks_record(r, &asof) == 0);
	CHECK_STR(chk(r, "id_number", "sex"), "pass");
	CHECK_STR(chk(r, "validity", "period"), "pass");
	CHECK(json_integer_value(chkv(r, "validity", "months")) == 3);
	CHECK(json_is_true(chkv(r, "validity", "expired")));
	CHECK(nwarn(r, "expired") == 1);
	CHECK(nwarnings(r) == 1);
	json_decref(r);

	/* 30 November + 3 months: end of February or 1 March. */
	r = back_checked("temporary", "2025.11.30-2026.02.28", &asof);
	CHECK_STR(chk(r, "validity", "period"), "pass");
	CHECK(nwarn(r, "validity_period") == 0);
	json_decref(r);
	r = back_checked("temporary", "2025.11.30-2026.03.01", &asof);
	CHECK_STR(chk(r, "validity", "period"), "pass");
	json_decref(r);
	r = back_checked("temporary", "2026.03.15-2026.07.15", &asof);
	CHECK_STR(chk(r, "validity", "period"), "fail");
	CHECK(json_is_null(chkv(r, "validity", "months")));
	CHECK(nwarn(r, "validity_period") == 1);
	json_decref(r);
	r = back_checked("temporary", "2026.03.15-长期", &asof);
	CHECK_STR(chk(r, "validity", "period"), "fail");
	CHECK(nwarn(r, "validity_period") == 1);
	json_decref(r);
	/* A temporary card's number is checked as a front's. */
	r = back_checked("temporary", "2026.03.15-2026.06.15", &asof);
	CHECK(nwarn(r, "invalid_id") == 1);
	CHECK(nwarnings(r) == 1);
	json_decref(r);
}

static void
test_untouched(void)
{
	json_t *r = front("440105199208221233", NULL, NULL);

	record_set_error(r, "40007", "fail to recognize");
	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_object_get(r, "checks") == NULL);
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	r = record_new("x.jpg", "faiz");
	CHECK(checks_record(r, &asof) == 0);
	CHECK(json_object_get(r, "checks") == NULL);
	json_decref(r);
}

static void
test_check_id(void)
{
	json_t *r;

	r = checks_id_record("440105199208221233", &asof);
	CHECK(r != NULL);
	CHECK_STR(path_str(r, "input", NULL), "440105199208221233");
	CHECK_STR(path_str(r, "id_number", NULL), "440105199208221233");
	CHECK(json_is_true(json_object_get(r, "valid")));
	CHECK(json_is_null(json_object_get(r, "error")));
	CHECK_STR(chk(r, "id_number", "sex"), "skip");
	CHECK_STR(chk(r, "id_number", "birthday"), "skip");
	CHECK(json_integer_value(chkv(r, "age", NULL)) == 33);
	CHECK(nwarnings(r) == 0);
	json_decref(r);

	/* Lower-case x and white space. */
	r = checks_id_record(" 44010220100101123x\n", &asof);
	CHECK_STR(path_str(r, "id_number", NULL), "44010220100101123X");
	CHECK_STR(path_str(r, "input", NULL), " 44010220100101123x\n");
	CHECK(json_is_true(json_object_get(r, "valid")));
	CHECK(nwarn(r, "region_not_in_force") == 1);
	json_decref(r);

	/* The old 15-digit form gives its 18-digit form. */
	r = checks_id_record("440105920822123", &asof);
	CHECK_STR(path_str(r, "id_number", NULL), "440105199208221233");
	CHECK(json_is_true(json_object_get(r, "valid")));
	CHECK_STR(chk(r, "id_number", "normalised"), "440105199208221233");
	json_decref(r);

	r = checks_id_record("440105199208221234", &asof);
	CHECK_STR(path_str(r, "id_number", NULL), "440105199208221234");
	CHECK(json_is_false(json_object_get(r, "valid")));
	CHECK_STR(path_str(r, "error", "code"), "invalid_id");
	CHECK(path_str(r, "error", "message") != NULL);
	CHECK(nwarn(r, "invalid_id") == 0);
	json_decref(r);

	r = checks_id_record("abc", &asof);
	CHECK(json_is_null(json_object_get(r, "id_number")));
	CHECK(json_is_false(json_object_get(r, "valid")));
	CHECK_STR(path_str(r, "error", "code"), "invalid_id");
	CHECK_STR(chk(r, "id_number", "structure"), "fail");
	json_decref(r);

	/* Region problems are warnings only. */
	r = checks_id_record("449999199001011230", &asof);
	CHECK(json_is_true(json_object_get(r, "valid")));
	CHECK(json_is_null(json_object_get(r, "error")));
	CHECK(nwarn(r, "region_unknown") == 1);
	json_decref(r);

	/* Bytes that are not UTF-8 still make a record. */
	r = checks_id_record("\xff\xfe", &asof);
	CHECK(r != NULL && path_str(r, "input", NULL) != NULL);
	json_decref(r);
	r = checks_id_record("", &asof);
	CHECK(r != NULL && json_is_false(json_object_get(r, "valid")));
	json_decref(r);
}

/* A person (front and back in one record, as pair_person makes) checked for the pair rules. */
static json_t *
person(const char *id, const char *validity, const char *authority)
{
	json_t *p = front(id, NULL, NULL), *b;

	CHECK(checks_record(p, &asof) == 0);
	b = back_checked("back", validity, &asof);
	json_object_set_new(p, "validity", json_string(validity));
	if (authority != NULL)
		json_object_set_new(p, "issue_authority",
		    json_string(authority));
	json_object_set_new(json_object_get(p, "checks"), "validity",
	    json_deep_copy(chkv(b, "validity", NULL)));
	json_decref(b);
	json_object_del(p, "side");
	CHECK(checks_pair(p, &asof) == 0);
	return p;
}

/* The period_age result for the holder born on 2000-06-15 (or 1975-03-05). */
static const char *
period_age(const char *id, const char *validity, long *age)
{
	static char res[8];
	json_t *p = person(id, validity, NULL);

	snprintf(res, sizeof(res), "%s", chk(p, "validity", "period_age") ?
	    chk(p, "validity", "period_age") : "(null)");
	*age = json_is_integer(chkv(p, "validity", NULL) ?
	    json_object_get(chkv(p, "validity", NULL), "age_at_issue") : NULL) ?
	    (long)json_integer_value(json_object_get(chkv(p, "validity", NULL),
	    "age_at_issue")) : -1;
	CHECK(nwarn(p, "period_age_mismatch") == (strcmp(res, "warn") == 0));
	json_decref(p);
	return res;
}

static void
test_period_age(void)
{
	const char *young = "110108200006151239", *old = "110108197503051234";
	long age;

	/* 15 / 16: born 2000-06-15. */
	CHECK_STR(period_age(young, "2016.06.14-2021.06.14", &age), "pass");
	CHECK(age == 15);
	CHECK_STR(period_age(young, "2016.06.14-2026.06.14", &age), "warn");
	CHECK_STR(period_age(young, "2016.06.15-2026.06.15", &age), "pass");
	CHECK(age == 16);
	/* Applied within 90 days before the 16th birthday. */
	CHECK_STR(period_age(young, "2016.06.15-2021.06.15", &age), "pass");
	CHECK_STR(period_age(young, "2016.09.12-2021.09.12", &age), "pass");
	CHECK_STR(period_age(young, "2016.09.13-2021.09.13", &age), "warn");

	/* 25 / 26. */
	CHECK_STR(period_age(young, "2026.06.14-2036.06.14", &age), "pass");
	CHECK(age == 25);
	CHECK_STR(period_age(young, "2026.06.14-2046.06.14", &age), "warn");
	CHECK_STR(period_age(young, "2026.06.15-2046.06.15", &age), "pass");
	CHECK_STR(period_age(young, "2026.09.12-2036.09.12", &age), "pass");
	CHECK_STR(period_age(young, "2026.09.13-2036.09.13", &age), "warn");

	/* 45 / 46: born 1975-03-05. */
	CHECK_STR(period_age(old, "2021.03.04-2041.03.04", &age), "pass");
	CHECK(age == 45);
	CHECK_STR(period_age(old, "2021.03.04-长期", &age), "warn");
	CHECK_STR(period_age(old, "2021.03.05-长期", &age), "pass");
	CHECK(age == 46);
	CHECK_STR(period_age(old, "2021.06.02-2041.06.02", &age), "pass");
	CHECK_STR(period_age(old, "2021.06.03-2041.06.03", &age), "warn");
	CHECK_STR(period_age(old, "1990.01.01-2000.01.01", &age), "warn");

	/* Not one of the four periods: validity_period has said so already. */
	CHECK_STR(period_age(young, "2016.06.15-2023.06.15", &age), "skip");
	CHECK(age == -1);
	/* Valid from before the birth. */
	CHECK_STR(period_age(young, "1999.01.01-2004.01.01", &age), "warn");
	/* A number without a birth date. */
	CHECK_STR(period_age("44010519920822123", "2016.06.15-2021.06.15",
	    &age), "skip");
}

static void
test_authority(void)
{
	json_t *p;

	p = person("110108200006151239", "2016.06.15-2026.06.15",
	    "北京市公安局海淀分局");
	CHECK_STR(chk(p, "authority", NULL), "pass");
	CHECK(nwarnings(p) == 0);
	json_decref(p);

	p = person("110108200006151239", "2016.06.15-2026.06.15",
	    "广州市公安局海珠分局");
	CHECK_STR(chk(p, "authority", NULL), "warn");
	CHECK(nwarn(p, "authority_region") == 1);
	json_decref(p);

	/* The city is enough; a county-level city too. */
	p = person("440105199208221233", "2015.03.01-2035.03.01",
	    "广州市公安局");
	CHECK_STR(chk(p, "authority", NULL), "pass");
	json_decref(p);
	p = person("422801198001011235", "2015.03.01-2035.03.01",
	    "恩施市公安局");
	CHECK_STR(chk(p, "authority", NULL), "pass");
	json_decref(p);

	/* Nothing to compare. */
	p = person("110108200006151239", "2016.06.15-2026.06.15", NULL);
	CHECK_STR(chk(p, "authority", NULL), "skip");
	json_decref(p);
	p = person("449999199001011230", "2015.03.01-2035.03.01",
	    "广州市公安局");
	CHECK_STR(chk(p, "authority", NULL), "skip");
	CHECK(nwarn(p, "authority_region") == 0);
	json_decref(p);

	/* A temporary card: authority only, no period rule. */
	p = back("temporary", "2026.03.15-2026.06.15", "广州市公安局海珠分局");
	json_object_set_new(p, "id_number", json_string("440105199208221233"));
	CHECK(checks_record(p, &asof) == 0);
	CHECK(checks_pair(p, &asof) == 0);
	CHECK_STR(chk(p, "authority", NULL), "pass");
	CHECK_STR(chk(p, "validity", "period_age"), "skip");
	json_decref(p);
}

int
main(void)
{
	test_birthday();
	test_validity_parse();
	test_front_ok();
	test_front_mismatch();
	test_front_invalid();
	test_front_region();
	test_back_periods();
	test_back_dates();
	test_temporary();
	test_untouched();
	test_check_id();
	test_period_age();
	test_authority();
	return unit_done("checks");
}
