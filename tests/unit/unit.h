/* A minimal unit-test harness: CHECK records a failure and goes on; unit_done() reports and sets the exit code. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (cond) {                                                \
			unit_pass++;                                       \
		} else {                                                   \
			unit_fail++;                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                              \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *unit_a = (a), *unit_b = (b);                   \
		if (unit_a != NULL && unit_b != NULL &&                    \
		    strcmp(unit_a, unit_b) == 0) {                         \
			unit_pass++;                                       \
		} else {                                                   \
			unit_fail++;                                       \
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, \
			    __LINE__, unit_a ? unit_a : "(null)",          \
			    unit_b ? unit_b : "(null)");                   \
		}                                                          \
	} while (0)

/* Prints "unit NAME: N checks passed, N failed" and returns the exit status. */
static int
unit_done(const char *name)
{
	printf("unit %s: %d checks passed, %d failed\n", name, unit_pass,
	    unit_fail);
	return unit_fail ? 1 : 0;
}

#endif
