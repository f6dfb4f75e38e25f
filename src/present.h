/* What happens to a record between the batch and the output: checks, pairing, masking, --strict counting. */
#ifndef PRESENT_H
#define PRESENT_H

#include <stddef.h>

#include <jansson.h>

#include "checks.h"
#include "out.h"
#include "util.h"

struct present {
	struct out *out;
	struct checks_opts checks;
	int pair;             /* --pair: keep records until the end */
	int mask;             /* --mask */
	size_t warned;        /* records (or persons) printed with warnings */
	size_t invalid;       /* --check-id: numbers that are not valid */
	json_t *held;         /* --pair: the records, in input order */
};

void present_init(struct present *p, struct out *out,
    const struct checks_opts *co, int pair, int mask);
/*
 * Check a record (recognised ones only), then print it, or hold it for
 * pairing. Returns 0, or -1 with err when the output failed.
 */
int present_record(struct present *p, json_t *rec, struct fz_err *err);
/* --check-id: one number, checked and printed. 0, or -1 on output failure. */
int present_id(struct present *p, const char *number, struct fz_err *err);
/* --pair: pair what was held and print persons and unpaired records. */
int present_finish(struct present *p, struct fz_err *err);
void present_free(struct present *p);

#endif
