/* Record-level checks: the ID number, the printed fields against it, the validity period, and front/back pairs. */
#ifndef CHECKS_H
#define CHECKS_H

#include <jansson.h>

/*
 * The day the checks are made for (--as-of). The caller fills it in, from
 * the option or with checks_opts_today(); as_y <= 0 leaves out everything
 * that needs a date (age, expired, not_yet_valid, a birth date in the
 * future).
 */
struct checks_opts {
	int as_y, as_m, as_d;
};

/* Today's local date into o. */
void checks_opts_today(struct checks_opts *o);

/*
 * Add "checks" to a recognised record and append to its "warnings"
 * ({code, message}; the codes are those of faiz-idcard(1)). A front or a
 * temporary card gets checks.id_number (structure, check digit, birth
 * date, region with its history, the printed sex and birthday against the
 * number), birth_date, age, sex and region; a back or a temporary card
 * gets checks.validity. A record with an error, or whose side is not
 * front, back or temporary, is left as it is. Messages never quote the
 * number, so --mask has nothing to hide in them. Returns 0, or -1 when out
 * of memory (the record is then partly filled).
 */
int checks_record(json_t *rec, const struct checks_opts *o);

/*
 * The record --check-id prints for one number s: {"input": s, "id_number":
 * the 18-character form or null, "valid": bool, "checks": {...},
 * "warnings": [...], "error": null or {"code": "invalid_id", "message"}}.
 * valid is true exactly when the structure, the check character and the
 * birth date are right; region problems are warnings only. A 15-digit
 * number gives its 18-digit form. NULL when out of memory.
 */
json_t *checks_id_record(const char *s, const struct checks_opts *o);

/*
 * The checks that need both sides, on a person record made by
 * pair_person(): the period against the age at issue (5 years under 16,
 * 10 at 16-25, 20 at 26-45, 长期 from 46, counted at the validity start or
 * 90 days before it, the time an application may take), written to
 * checks.validity.age_at_issue and checks.validity.period_age, and the
 * issuing authority against the number's region, written to
 * checks.authority. Warnings period_age_mismatch and authority_region.
 * Also works on a temporary card's record (authority only). Returns 0, or
 * -1 when out of memory.
 */
int checks_pair(json_t *person, const struct checks_opts *o);

/*
 * A printed birthday "1992年8月22日" (month and day with or without a
 * leading zero; white space around the parts allowed) into y m d. Returns 0,
 * or -1 when s has another form or is not a real date.
 */
int checks_parse_birthday(const char *s, int *y, int *m, int *d);

/*
 * A validity period as printed on the back, "2015.03.01-2035.03.01" or
 * "2015.03.01-长期", into its start and end (*ey = *em = *ed = 0 for 长期).
 * Strict: 4-digit years, 2-digit months and days, '.' inside a date, one
 * ASCII '-' between them, white space only around the whole; both dates
 * real and the end after the start. Returns 0 or -1.
 */
int checks_parse_validity(const char *s, int *sy, int *sm, int *sd, int *ey,
    int *em, int *ed);

#endif
