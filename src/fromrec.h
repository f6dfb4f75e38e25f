/* --from-records FILE: the records of an earlier run read back, to be rendered again with no network and no credentials. */
#ifndef FROMREC_H
#define FROMREC_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "util.h"

/* Longest line read: a record with --raw and its answer fits many times over. */
#define FROMREC_MAX_LINE (64u << 20)
/* Largest pretty JSON array (-f json output) read whole. */
#define FROMREC_MAX_ARRAY (256u << 20)

struct fromrec_stats {
	size_t records;    /* handed to emit */
	size_t recognised; /* of those, without an error */
	size_t failed;     /* with an error other than not_sent */
	size_t not_sent;
	size_t duplicates; /* marked duplicate_of */
	size_t bad;        /* lines that are not records: warned about, left out */
};

enum fromrec_end {
	FROMREC_OK = 0,
	FROMREC_READ = -1,   /* the file cannot be read: err says why */
	FROMREC_OUTPUT = -2, /* emit failed: the caller knows why */
	FROMREC_STOPPED = -3 /* *stop became true */
};

/*
 * Read the records in path ("-" for standard input): NDJSON, one object
 * with a "file" member per line, or one JSON array of such objects (what
 * -f json writes). Each record goes to emit, which owns nothing (the
 * record is freed after). Lines that are not records are told in
 * warnings as FILE:LINE and skipped. Reading stops early when *stop
 * (a signal) becomes true.
 */
enum fromrec_end fromrec_read(const char *path,
    int (*emit)(void *ctx, json_t *rec), void *ctx,
    const volatile sig_atomic_t *stop, struct strlist *warnings,
    struct fromrec_stats *st, struct fz_err *err);

#endif
