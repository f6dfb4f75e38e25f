/* Reading the raw float32 files of tests/fixtures/nn/ in unit tests. */
#ifndef NNFIX_H
#define NNFIX_H

#include <stdio.h>
#include <stdlib.h>

#define NNFIX_DIR "tests/fixtures/nn/"

/* The n little-endian floats of path (this machine is little-endian, as
 * tools/ort-ref.mjs checks), or NULL after saying why on stderr. */
static inline float *
nnfix_read_floats(const char *path, size_t n)
{
	float *v = malloc(n * sizeof(*v));
	FILE *f = fopen(path, "rb");
	size_t got = 0;

	if (f != NULL && v != NULL)
		got = fread(v, sizeof(*v), n, f);
	if (f != NULL)
		fclose(f);
	if (got != n) {
		fprintf(stderr, "%s: cannot read %zu floats\n", path, n);
		free(v);
		return NULL;
	}
	return v;
}

#endif
