/* Records on their way out: local checks, front/back pairing, masking, and counting what --strict refuses. */
#include "present.h"

#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "pair.h"
#include "record.h"

void
present_init(struct present *p, struct out *out, const struct checks_opts *co,
    int pair, int mask)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->checks = *co;
	p->pair = pair;
	p->mask = mask;
}

/* Mask, count and print one record or person. */
static int
print(struct present *p, json_t *rec, struct fz_err *err)
{
	if (json_array_size(json_object_get(rec, "warnings")) > 0)
		p->warned++;
	if (p->mask) {
		mask_record(rec);
		/* A --check-id record shows its input as the file: masked too. */
		if (json_object_get(rec, "input") != NULL)
			json_object_set(rec, "file", json_object_get(rec,
			    "input"));
	}
	return out_record(p->out, rec, err);
}

int
present_record(struct present *p, json_t *rec, struct fz_err *err)
{
	if (checks_record(rec, &p->checks) == -1) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	if (!p->pair)
		return print(p, rec, err);
	if (p->held == NULL && (p->held = json_array()) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	/* Pairing needs every record: --pair holds them until the end. */
	if (json_array_append(p->held, rec) == -1) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	return 0;
}

int
present_id(struct present *p, const char *number, struct fz_err *err)
{
	json_t *rec;
	int rc;

	if ((rec = checks_id_record(number, &p->checks)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	if (!json_is_true(json_object_get(rec, "valid")))
		p->invalid++;
	/*
	 * The table and CSV columns of an image record, filled from the
	 * number: the input in the file column, the sex and birth date it
	 * encodes.
	 */
	json_object_set(rec, "file", json_object_get(rec, "input"));
	json_object_set(rec, "sex", json_object_get(json_object_get(rec,
	    "checks"), "sex"));
	json_object_set(rec, "birthday", json_object_get(json_object_get(rec,
	    "checks"), "birth_date"));
	rc = print(p, rec, err);
	json_decref(rec);
	return rc;
}

/*
 * "front.jpg + back.jpg", so the table and CSV have a file cell for a
 * person; "page.jpg cards 1 + 2" for the two sides on one page.
 */
static void
person_file(json_t *person)
{
	json_t *files = json_object_get(person, "files");
	json_t *cards = json_object_get(person, "cards");
	const char *a = json_string_value(json_array_get(files, 0));
	const char *b = json_string_value(json_array_get(files, 1));
	char *s;

	if (a != NULL && b != NULL && cards != NULL && strcmp(a, b) == 0)
		s = fz_printf("%s cards %lld + %lld", a,
		    (long long)json_integer_value(json_array_get(cards, 0)),
		    (long long)json_integer_value(json_array_get(cards, 1)));
	else if (a != NULL && b != NULL)
		s = fz_printf("%s + %s", a, b);
	else
		s = NULL;
	if (s != NULL) {
		json_object_set_new(person, "file", json_string(s));
		free(s);
	}
}

static int
same_file(const json_t *a, const json_t *b)
{
	const char *x = record_str(a, "file"), *y = record_str(b, "file");

	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

int
present_finish(struct present *p, struct fz_err *err)
{
	size_t i, n = json_array_size(p->held);
	const char **stems = NULL, **sides = NULL, **rule = NULL;
	size_t *page = NULL, cur = 0;
	long *partner = NULL;
	int k, count;
	char **owned = NULL;
	json_t *rec, *person;
	int rc = -1;

	if (!p->pair || n == 0)
		return 0;
	if ((stems = calloc(n, sizeof(*stems))) == NULL ||
	    (sides = calloc(n, sizeof(*sides))) == NULL ||
	    (rule = calloc(n, sizeof(*rule))) == NULL ||
	    (partner = calloc(n, sizeof(*partner))) == NULL ||
	    (page = calloc(n, sizeof(*page))) == NULL ||
	    (owned = calloc(n, sizeof(*owned))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		rec = json_array_get(p->held, i);
		if ((owned[i] = fz_stem(record_str(rec, "file") ?
		    record_str(rec, "file") : "")) == NULL)
			goto nomem;
		stems[i] = owned[i];
		sides[i] = record_ok(rec) ? record_str(rec, "side") : NULL;
		/* The cards of one file of several come together, card 1 first. */
		record_card(rec, &k, &count);
		if (count > 1 && (k == 1 || cur == 0 || page[i - 1] != cur ||
		    !same_file(rec, json_array_get(p->held, i - 1))))
			cur = i + 1;
		page[i] = count > 1 ? cur : 0;
	}
	if (pair_plan(stems, sides, page, n, partner, rule) == -1)
		goto nomem;
	for (i = 0; i < n; i++) {
		rec = json_array_get(p->held, i);
		if (partner[i] >= 0 && (size_t)partner[i] < i)
			continue; /* printed with its partner */
		if (partner[i] < 0) {
			if (record_ok(rec) && pair_mark_unpaired(rec) == -1)
				goto nomem;
			if (print(p, rec, err) == -1)
				goto done;
			continue;
		}
		person = pair_person(rec, json_array_get(p->held,
		    (size_t)partner[i]), rule[i]);
		if (person == NULL || checks_pair(person, &p->checks) == -1) {
			json_decref(person);
			goto nomem;
		}
		person_file(person);
		rc = print(p, person, err);
		json_decref(person);
		if (rc == -1)
			goto done;
	}
	rc = 0;
	goto done;
nomem:
	fz_seterr(err, "out of memory");
	rc = -1;
done:
	if (owned != NULL)
		for (i = 0; i < n; i++)
			free(owned[i]);
	free(owned);
	free(stems);
	free(sides);
	free(rule);
	free(partner);
	free(page);
	return rc;
}

void
present_free(struct present *p)
{
	json_decref(p->held);
	p->held = NULL;
}
