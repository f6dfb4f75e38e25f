/* Input gathering: operands, directories and path lists into images to try. */
#ifndef GATHER_H
#define GATHER_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* How deep -r descends below a directory operand. */
#define GATHER_MAX_DEPTH 64
/* At most this many items per run, and this many entries per path list
 * (empty ones included, so -0 --files-from /dev/zero ends): at the
 * service's 1 request a second that is over eleven days of work. */
#define GATHER_MAX_ITEMS 1000000u
/* A directory operand with more notes than this gets one summary note
 * per reason instead (3000 .png files are one line, not 3000). */
#define GATHER_MAX_NOTES 20u
#define GATHER_NREASONS 7

struct gather_opts {
	int recursive;          /* -r */
	int null_sep;           /* -0: lists are NUL-separated */
	const char *files_from; /* --files-from FILE or NULL; "-" = stdin */
	FILE *in;               /* stdin, or a test stream */
};

struct gather_item {
	char *path;       /* as given, or as found (dir + "/" + name) */
	char *error_code; /* NULL, or the record's error code when the item
	                     cannot even be tried ("unreadable" for a
	                     directory that cannot be opened) */
	char *error_msg;  /* NULL, or the reason (strerror text) */
};

struct gather {
	struct gather_item *v;
	size_t n, cap;
	/* Warnings for main to print (unless -q), e.g.
	 * "DIR/x.txt: skipped, not a .jpg or .jpeg file",
	 * "DIR/sub: skipped directory (use -r)"; past GATHER_MAX_NOTES for one
	 * directory operand, "DIR: skipped 3000 not .jpg or .jpeg files". */
	struct strlist notes;
	/* Entries of directory operands skipped, by reason (enum in gather.c). */
	size_t skipped[GATHER_NREASONS];
};

/*
 * "skipped 2990 not .jpg or .jpeg files, 10 directories (use -r)": what
 * the directories held besides JPEG files, malloc'd; NULL when nothing
 * was skipped (or out of memory).
 */
char *gather_skip_summary(const struct gather *g);

/*
 * Expand operands in order into out (which need not be initialised):
 *  - "-" reads a path list from opts->in;
 *  - a directory lists its JPEG files (*.jpg, *.jpeg, any case; dotfiles
 *    skipped silently; other files and subdirectories noted), descending
 *    with opts->recursive but never through a symlinked directory; the
 *    items found under one directory operand are sorted by strcmp of
 *    their path, and so are its notes;
 *  - anything else (including a path that does not exist) is one item,
 *    always tried, even when not named .jpg.
 * Entries of a path list are taken as explicit items, as given (a list is
 * meant for find(1) output, so a directory in it is not expanded again).
 * Lists are newline-separated (a trailing "\r" is stripped, empty lines are
 * skipped) or NUL-separated with opts->null_sep (empty entries skipped).
 * --files-from entries come after the operands.
 *
 * Returns 0, or -1 with err set and out emptied for a usage problem: stdin
 * read twice ("-" twice, or "-" with --files-from -), a --files-from FILE
 * that cannot be opened or read, a list entry longer than PATH_MAX - 1
 * bytes, a NUL inside a newline-separated list, more than GATHER_MAX_ITEMS
 * items or list entries; or for running out of memory.
 */
int gather_inputs(char *const *args, size_t nargs,
    const struct gather_opts *opts, struct gather *out, struct fz_err *err);

/* Frees everything in g and leaves it empty; safe to call twice. */
void gather_free(struct gather *g);

#endif
