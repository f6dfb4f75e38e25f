/* Record-level checks: the ID number, the printed fields against it, the validity period, and front/back pairs. */
#include "checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idnum.h"
#include "record.h"
#include "region.h"
#include "util.h"

/* The days a card may take from application to issue: the age rules apply at the application. */
#define CHECKS_ISSUE_DAYS 90

/* The periods a temporary card runs for. */
#define CHECKS_TEMP_MONTHS 3

void
checks_opts_today(struct checks_opts *o)
{
	time_t now = time(NULL);
	struct tm tm;

	memset(o, 0, sizeof(*o));
	if (localtime_r(&now, &tm) == NULL)
		return;
	o->as_y = tm.tm_year + 1900;
	o->as_m = tm.tm_mon + 1;
	o->as_d = tm.tm_mday;
}

static int
has_date(const struct checks_opts *o)
{
	return o != NULL && o->as_y > 0 && date_valid(o->as_y, o->as_m, o->as_d);
}


static json_t *
iso_date(int y, int m, int d)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	return json_string(buf);
}

static json_t *
res_json(enum idnum_res r)
{
	return json_string(idnum_res_name(r));
}

/*
 * The date of day number z as counted by date_days() (days since 0000-03-01):
 * the inverse, civil_from_days in Howard Hinnant's "chrono-Compatible
 * Low-Level Date Algorithms", for dates of year 1 and later.
 */
static void
date_from_days(long z, int *y, int *m, int *d)
{
	long era = z / 146097, doe = z - era * 146097, yoe, doy, mp;

	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * Is y2-m2-d2 exactly `months` months after y-m-d? When the day does not
 * exist in the target month (29 February in a common year, 31 after a
 * 30-day month), both the month's last day and the 1st of the next month
 * are taken, as issuing offices differ.
 */
static int
months_after(int y, int m, int d, int months, int y2, int m2, int d2)
{
	int ty, tm, td;
	long t;

	ty = y + (m - 1 + months) / 12;
	tm = (m - 1 + months) % 12 + 1;
	if (date_valid(ty, tm, d))
		return ty == y2 && tm == m2 && d == d2;
	for (td = d; td > 28 && !date_valid(ty, tm, td); td--)
		;
	t = date_days(y2, m2, d2);
	return t == date_days(ty, tm, td) || t == date_days(ty, tm, td) + 1;
}

/* Skip ASCII white space. */
static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/* Exactly n digits at *s into *v, advancing *s; 0 or -1. */
static int
fixed_digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

/* 1 to max digits at *s into *v, advancing *s; 0 or -1. */
static int
some_digits(const char **s, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (**s >= '0' && **s <= '9') {
		if (++n > max)
			return -1;
		*v = *v * 10 + (**s - '0');
		(*s)++;
	}
	return n > 0 ? 0 : -1;
}

/* Does *s start with word? If so advance past it. */
static int
eat(const char **s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*s, word, n) != 0)
		return 0;
	*s += n;
	return 1;
}

int
checks_parse_birthday(const char *s, int *y, int *m, int *d)
{
	if (s == NULL)
		return -1;
	s = skip_space(s);
	if (fixed_digits(&s, 4, y) == -1)
		return -1;
	s = skip_space(s);
	if (!eat(&s, "年"))
		return -1;
	s = skip_space(s);
	if (some_digits(&s, 2, m) == -1)
		return -1;
	s = skip_space(s);
	if (!eat(&s, "月"))
		return -1;
	s = skip_space(s);
	if (some_digits(&s, 2, d) == -1)
		return -1;
	s = skip_space(s);
	if (!eat(&s, "日"))
		return -1;
	s = skip_space(s);
	if (*s != '\0' || !date_valid(*y, *m, *d))
		return -1;
	return 0;
}

/* YYYY.MM.DD at *s, advancing; 0 or -1 (also for a date that does not exist). */
static int
dotted_date(const char **s, int *y, int *m, int *d)
{
	if (fixed_digits(s, 4, y) == -1 || !eat(s, ".") ||
	    fixed_digits(s, 2, m) == -1 || !eat(s, ".") ||
	    fixed_digits(s, 2, d) == -1)
		return -1;
	return date_valid(*y, *m, *d) ? 0 : -1;
}

int
checks_parse_validity(const char *s, int *sy, int *sm, int *sd, int *ey,
    int *em, int *ed)
{
	*sy = *sm = *sd = *ey = *em = *ed = 0;
	if (s == NULL)
		return -1;
	s = skip_space(s);
	if (dotted_date(&s, sy, sm, sd) == -1 || !eat(&s, "-"))
		goto bad;
	if (eat(&s, "长期")) {
		*ey = *em = *ed = 0;
	} else if (dotted_date(&s, ey, em, ed) == -1 ||
	    date_days(*ey, *em, *ed) <= date_days(*sy, *sm, *sd))
		goto bad;
	s = skip_space(s);
	if (*s != '\0')
		goto bad;
	return 0;
bad:
	*sy = *sm = *sd = *ey = *em = *ed = 0;
	return -1;
}

/* The printed sex: 1 男, 2 女, 0 anything else. */
static int
printed_sex(const char *s)
{
	const char *e;

	if (s == NULL)
		return 0;
	s = skip_space(s);
	e = s;
	if (eat(&e, "男") && *skip_space(e) == '\0')
		return 1;
	e = s;
	if (eat(&e, "女") && *skip_space(e) == '\0')
		return 2;
	return 0;
}

static const char *
sex_name(int sex)
{
	return sex == 1 ? "男" : "女";
}

/*
 * Check the number num and, when have_printed, the printed sex and birthday
 * against it. Fills checks (id_number, birth_date, age, sex, region),
 * appends region, sex and birthday warnings, and sets *valid and why (the
 * reason it is not valid). Returns 0, or -1 when out of memory.
 */
static int
number_checks(const char *num, int have_printed, const char *psex,
    const char *pbday, const struct checks_opts *o, json_t *checks,
    json_t *warnings, struct idnum *n, int *valid, char *why, size_t whylen)
{
	struct fz_err err;
	struct region_hit h;
	enum idnum_res structure = ID_SKIP, check = ID_SKIP, birth = ID_SKIP,
	    region = ID_SKIP, sex = ID_SKIP, bday = ID_SKIP;
	int parsed, date_ok, ps, by, bm, bd, bad = 0;
	json_t *idn, *reg = json_null();

	*valid = 0;
	why[0] = '\0';
	err.msg[0] = '\0';
	if (num == NULL || *skip_space(num) == '\0') {
		memset(n, 0, sizeof(*n));
		parsed = 0;
		snprintf(why, whylen, "no ID number");
	} else {
		parsed = idnum_parse(num, has_date(o) ? o->as_y : 0,
		    has_date(o) ? o->as_m : 0, has_date(o) ? o->as_d : 0, n,
		    &err) == 0;
		if (!parsed)
			snprintf(why, whylen, "%s", err.msg);
	}
	structure = parsed ? ID_PASS : ID_FAIL;
	date_ok = parsed && date_valid(n->year, n->month, n->day);

	if (parsed) {
		check = n->check_ok ? ID_PASS : ID_FAIL;
		birth = n->birth_ok ? ID_PASS : ID_FAIL;
		*valid = idnum_valid(n);
		if (!n->check_ok)
			snprintf(why, whylen, "the check character does not "
			    "match the first 17 digits");
		else if (!date_ok)
			snprintf(why, whylen, "the birth date in the number is "
			    "not a real date");
		else if (!n->birth_ok && n->year < 1800)
			snprintf(why, whylen, "the birth year in the number is "
			    "before 1800");
		else if (!n->birth_ok)
			snprintf(why, whylen, "the birth date in the number is "
			    "in the future");

		region_lookup(n->region, date_ok ? n->year : 0, &h);
		if (h.known && h.in_force) {
			region = ID_PASS;
		} else if (h.known) {
			region = ID_WARN;
			bad |= record_warning(warnings, "region_not_in_force",
			    "region code %s (%s) was abolished before the "
			    "birth year", n->region,
			    h.county ? h.county : h.city ? h.city :
			    h.province ? h.province : "?");
		} else if (h.rollup) {
			region = ID_WARN;
			bad |= record_warning(warnings, "region_rollup",
			    "region code %s is a district roll-up of %s that "
			    "the published lists omit", n->region,
			    h.city ? h.city : "its city");
		} else {
			region = ID_WARN;
			bad |= record_warning(warnings, "region_unknown",
			    "region code %s is not in GB/T 2260 for any year",
			    n->region);
		}
		reg = json_pack("{s:s, s:s?, s:s?, s:s?, s:b}", "code",
		    n->region, "province", h.province, "city", h.city,
		    "county", h.county, "in_force",
		    (h.known || h.rollup) && h.in_force);
	}

	if (have_printed && parsed && (ps = printed_sex(psex)) != 0) {
		sex = ps == n->sex ? ID_PASS : ID_FAIL;
		if (sex == ID_FAIL)
			bad |= record_warning(warnings, "sex_mismatch",
			    "printed sex %s differs from the number's (%s)",
			    sex_name(ps), sex_name(n->sex));
	}
	if (have_printed && pbday != NULL) {
		if (checks_parse_birthday(pbday, &by, &bm, &bd) == -1) {
			bday = ID_WARN;
			bad |= record_warning(warnings, "birthday_unparsed",
			    "printed birthday is not of the form 1992年8月22日");
		} else if (date_ok) {
			bday = by == n->year && bm == n->month &&
			    bd == n->day ? ID_PASS : ID_FAIL;
			if (bday == ID_FAIL)
				bad |= record_warning(warnings,
				    "birthday_mismatch", "printed birthday "
				    "%04d-%02d-%02d differs from the number's "
				    "%04d-%02d-%02d", by, bm, bd, n->year,
				    n->month, n->day);
		}
	}

	idn = json_pack("{s:b, s:s?, s:o, s:o, s:o, s:o, s:o, s:o}", "valid",
	    *valid, "normalised", parsed ? n->norm : NULL, "structure",
	    res_json(structure), "check_digit", res_json(check), "birth_date",
	    res_json(birth), "region", res_json(region), "sex", res_json(sex),
	    "birthday", res_json(bday));
	bad |= json_object_set_new(checks, "id_number", idn);
	bad |= json_object_set_new(checks, "birth_date",
	    date_ok ? iso_date(n->year, n->month, n->day) : json_null());
	bad |= json_object_set_new(checks, "age",
	    parsed && n->birth_ok && has_date(o) ?
	    json_integer(idnum_age(n, o->as_y, o->as_m, o->as_d)) :
	    json_null());
	bad |= json_object_set_new(checks, "sex",
	    parsed ? json_string(sex_name(n->sex)) : json_null());
	bad |= json_object_set_new(checks, "region", reg);
	return bad ? -1 : 0;
}

/*
 * checks.validity for the printed text v; temporary cards run 3 months,
 * others 5, 10 or 20 years or 长期. Returns 0, or -1 when out of memory.
 */
static int
validity_checks(const char *v, int temporary, const struct checks_opts *o,
    json_t *checks, json_t *warnings)
{
	int sy, sm, sd, ey, em, ed, years = 0, lt, bad = 0, n;
	int expired = 0, early = 0;
	enum idnum_res period;
	json_t *val;

	if (checks_parse_validity(v, &sy, &sm, &sd, &ey, &em, &ed) == -1) {
		bad |= record_warning(warnings, "validity_unparsed", v == NULL ?
		    "no validity period recognised" : "validity period is not "
		    "YYYY.MM.DD-YYYY.MM.DD or YYYY.MM.DD-长期");
		val = json_pack("{s:n, s:n, s:n, s:n, s:n, s:n, s:s}", "start",
		    "end", "long_term", "years", "expired", "not_yet_valid",
		    "period", "skip");
		bad |= json_object_set_new(checks, "validity", val);
		return bad ? -1 : 0;
	}
	lt = ey == 0;
	if (!lt)
		for (n = 1; n <= 100 && years == 0; n++)
			if (months_after(sy, sm, sd, 12 * n, ey, em, ed))
				years = n;
	if (temporary)
		period = !lt && months_after(sy, sm, sd, CHECKS_TEMP_MONTHS,
		    ey, em, ed) ? ID_PASS : ID_FAIL;
	else
		period = lt || years == 5 || years == 10 || years == 20 ?
		    ID_PASS : ID_FAIL;
	if (period == ID_FAIL && temporary)
		bad |= record_warning(warnings, "validity_period",
		    "a temporary card runs 3 months, not %s", lt ? "长期" :
		    "from the start to the end printed");
	else if (period == ID_FAIL && years > 0)
		bad |= record_warning(warnings, "validity_period", "a period of "
		    "%d years is not 5, 10, 20 years or 长期", years);
	else if (period == ID_FAIL)
		bad |= record_warning(warnings, "validity_period", "the period is "
		    "not a whole number of years (5, 10, 20) nor 长期");

	if (has_date(o)) {
		long today = date_days(o->as_y, o->as_m, o->as_d);

		/* The end date printed is the last day the card is valid. */
		expired = !lt && date_days(ey, em, ed) < today;
		early = date_days(sy, sm, sd) > today;
		if (expired)
			bad |= record_warning(warnings, "expired", "expired on "
			    "%04d-%02d-%02d", ey, em, ed);
		if (early)
			bad |= record_warning(warnings, "not_yet_valid", "valid "
			    "only from %04d-%02d-%02d", sy, sm, sd);
	}
	val = json_pack("{s:o, s:o, s:b, s:o}", "start", iso_date(sy, sm, sd),
	    "end", lt ? json_null() : iso_date(ey, em, ed), "long_term", lt,
	    "years", years > 0 ? json_integer(years) : json_null());
	if (val != NULL && temporary)
		bad |= json_object_set_new(val, "months",
		    period == ID_PASS ? json_integer(CHECKS_TEMP_MONTHS) :
		    json_null());
	if (val != NULL) {
		bad |= json_object_set_new(val, "expired",
		    has_date(o) ? json_boolean(expired) : json_null());
		bad |= json_object_set_new(val, "not_yet_valid",
		    has_date(o) ? json_boolean(early) : json_null());
		bad |= json_object_set_new(val, "period", res_json(period));
	}
	bad |= json_object_set_new(checks, "validity", val);
	return bad ? -1 : 0;
}

int
checks_record(json_t *rec, const struct checks_opts *o)
{
	const char *side = record_str(rec, "side");
	json_t *checks, *warnings;
	struct idnum n;
	char why[512];
	int front, back, temp, valid, bad = 0;

	if (side == NULL || !json_is_null(json_object_get(rec, "error")))
		return 0;
	front = strcmp(side, "front") == 0;
	back = strcmp(side, "back") == 0;
	temp = strcmp(side, "temporary") == 0;
	if (!front && !back && !temp)
		return 0;
	warnings = json_object_get(rec, "warnings");
	if (!json_is_array(warnings)) {
		if (json_object_set_new(rec, "warnings", json_array()) == -1)
			return -1;
		warnings = json_object_get(rec, "warnings");
	}
	if ((checks = json_object()) == NULL)
		return -1;
	if (front || temp) {
		bad |= number_checks(json_string_value(json_object_get(rec,
		    "id_number")), 1, json_string_value(json_object_get(rec,
		    "sex")), json_string_value(json_object_get(rec,
		    "birthday")), o, checks, warnings, &n, &valid, why,
		    sizeof(why));
		if (!valid)
			bad |= record_warning(warnings, "invalid_id",
			    "ID number invalid: %s", why);
	}
	/*
	 * A back must carry its validity; the service may leave it out of a
	 * temporary card's answer, and then there is nothing to check.
	 */
	if (back || (temp && json_is_string(json_object_get(rec, "validity"))))
		bad |= validity_checks(json_string_value(json_object_get(rec,
		    "validity")), temp, o, checks, warnings);
	bad |= json_object_set_new(rec, "checks", checks);
	return bad ? -1 : 0;
}

json_t *
checks_id_record(const char *s, const struct checks_opts *o)
{
	json_t *rec, *checks = NULL, *warnings = NULL, *err = json_null();
	struct idnum n;
	char why[512], *input;
	int valid;

	if ((input = fz_utf8_clean(s != NULL ? s : "")) == NULL)
		return NULL;
	if ((checks = json_object()) == NULL ||
	    (warnings = json_array()) == NULL)
		goto fail;
	if (number_checks(s, 0, NULL, NULL, o, checks, warnings, &n, &valid,
	    why, sizeof(why)) == -1)
		goto fail;
	if (!valid && (err = json_pack("{s:s, s:s}", "code", "invalid_id",
	    "message", why)) == NULL)
		goto fail;
	rec = json_pack("{s:s, s:s?, s:b, s:o, s:o, s:o}", "input", input,
	    "id_number", n.structure_ok ? n.norm : NULL, "valid", valid,
	    "checks", checks, "warnings", warnings, "error", err);
	free(input);
	return rec;
fail:
	json_decref(checks);
	json_decref(warnings);
	free(input);
	return NULL;
}

/* Does a period of `years` (0: 长期) fit someone aged age when applying? */
static int
period_fits(int years, int age)
{
	if (age < 0)
		return 0;
	switch (years) {
	case 5:
		return age < 16;
	case 10:
		return age >= 16 && age <= 25;
	case 20:
		return age >= 26 && age <= 45;
	case 0:
		return age >= 46;
	}
	return 0;
}

/* checks.validity.period_age and age_at_issue. */
static int
period_age_check(json_t *person, const struct idnum *n, int have_n,
    json_t *validity, json_t *warnings)
{
	int sy, sm, sd, ey, em, ed, years = 0, y, m, d, age, age90, k;
	const char *side = record_str(person, "side");
	enum idnum_res res = ID_SKIP;
	int bad = 0;

	age = -1;
	if (have_n && n->birth_ok &&
	    (side == NULL || strcmp(side, "temporary") != 0) &&
	    checks_parse_validity(record_str(person, "validity"), &sy, &sm, &sd,
	    &ey, &em, &ed) == 0) {
		if (ey != 0)
			for (k = 1; k <= 20 && years == 0; k++)
				if (months_after(sy, sm, sd, 12 * k, ey, em,
				    ed))
					years = k;
		/* A period that is none of the four is validity_period's business. */
		if (ey == 0 || years == 5 || years == 10 || years == 20) {
			age = idnum_age(n, sy, sm, sd);
			date_from_days(date_days(sy, sm, sd) -
			    CHECKS_ISSUE_DAYS, &y, &m, &d);
			age90 = date_valid(y, m, d) ? idnum_age(n, y, m, d) : -1;
			if (period_fits(years, age) ||
			    period_fits(years, age90)) {
				res = ID_PASS;
			} else {
				res = ID_WARN;
				if (age < 0)
					bad |= record_warning(warnings,
					    "period_age_mismatch", "the card "
					    "was valid from before the birth "
					    "date");
				else
					bad |= record_warning(warnings,
					    "period_age_mismatch", "a %s period "
					    "does not fit the holder's age at "
					    "issue (%d): 5 years under 16, 10 at "
					    "16-25, 20 at 26-45, 长期 from 46",
					    ey == 0 ? "长期" : years == 5 ?
					    "5-year" : years == 10 ? "10-year" :
					    "20-year", age);
			}
		}
	}
	bad |= json_object_set_new(validity, "age_at_issue",
	    age >= 0 ? json_integer(age) : json_null());
	bad |= json_object_set_new(validity, "period_age", res_json(res));
	return bad ? -1 : 0;
}

int
checks_pair(json_t *person, const struct checks_opts *o)
{
	json_t *checks, *warnings, *validity;
	const char *auth = record_str(person, "issue_authority");
	struct idnum n;
	struct region_hit h;
	struct fz_err err;
	enum idnum_res res = ID_SKIP;
	int have_n, date_ok, bad = 0;

	(void)o;
	warnings = json_object_get(person, "warnings");
	if (!json_is_array(warnings)) {
		if (json_object_set_new(person, "warnings", json_array()) == -1)
			return -1;
		warnings = json_object_get(person, "warnings");
	}
	checks = json_object_get(person, "checks");
	if (!json_is_object(checks)) {
		if (json_object_set_new(person, "checks", json_object()) == -1)
			return -1;
		checks = json_object_get(person, "checks");
	}
	/* Only the birth date matters here, not whether it lies before as-of. */
	have_n = idnum_parse(record_str(person, "id_number"), 0, 0, 0, &n,
	    &err) == 0;
	date_ok = have_n && n.birth_ok;

	validity = json_object_get(checks, "validity");
	if (json_is_object(validity))
		bad |= period_age_check(person, &n, have_n, validity, warnings);

	if (have_n && auth != NULL && *skip_space(auth) != '\0' &&
	    region_lookup(n.region, date_ok ? n.year : 0, &h) == 0 &&
	    (h.known || h.rollup)) {
		if (region_matches_authority(&h, auth)) {
			res = ID_PASS;
		} else {
			res = ID_WARN;
			bad |= record_warning(warnings, "authority_region",
			    "issuing authority names none of %s%s%s%s%s, the "
			    "region of the number", h.province ? h.province :
			    "", h.city ? " " : "", h.city ? h.city : "",
			    h.county ? " " : "", h.county ? h.county : "");
		}
	}
	bad |= json_object_set_new(checks, "authority", res_json(res));
	return bad ? -1 : 0;
}
