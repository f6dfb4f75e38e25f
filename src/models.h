/* Finding the OCR models on disk and checking them against the sizes and
 * SHA-256s committed in models/MANIFEST. */
#ifndef MODELS_H
#define MODELS_H

#include <stddef.h>

#include "util.h"

enum models_file { MODELS_DET, MODELS_REC, MODELS_KEYS, MODELS_NFILES };

/* One file the program needs: its name in the models directory, size, digest.
 */
struct models_expect {
	const char *name;
	size_t bytes;
	const char *sha256; /* lowercase hex */
};

/* A verified set, found by models_find(). */
struct models_set {
	char *dir;                 /* the directory the set came from */
	char *path[MODELS_NFILES]; /* dir/name of each file */
	unsigned char *data[MODELS_NFILES]; /* its verified bytes (malloc'd) */
	size_t len[MODELS_NFILES];
};

/*
 * Finds the models and reads each file once, checking its size and SHA-256,
 * so the caller parses exactly the bytes that were verified (for example
 * with nn_model_load_mem). The places, in order:
 *   cli_dir   (the --models value; NULL if not given),
 *   $FAIZ_MODELS (when set and not empty),
 *   the installed directory (FZ_MODELSDIR, from the Makefile's MODELSDIR),
 *   models/ in the directory of the running binary (/proc/self/exe).
 * A directory the user named (cli_dir or $FAIZ_MODELS) is the only place
 * looked at: a wrong explicit choice is an error, not a silent fallback.
 * Otherwise the first of the other two whose files all verify is used.
 * Returns 0 and fills *out, or -1 with err naming every place looked at
 * and, for each, what was wrong (no such directory; FILE missing, wrong
 * size, wrong SHA-256, unreadable).
 */
int models_find(
    const char *cli_dir, struct models_set *out, struct fz_err *err);
/* Frees everything in s (data[i] already freed and set to NULL is fine). */
void models_set_free(struct models_set *s);

/* The committed table, for the test that compares it with models/MANIFEST. */
const struct models_expect *models_expected(void);

/*
 * Test hook: use table (MODELS_NFILES entries) instead of the committed
 * values and installed_dir instead of FZ_MODELSDIR; NULL restores either.
 * Not for use outside unit tests.
 */
void models_test_override(
    const struct models_expect *table, const char *installed_dir);

#endif
