/* libFuzzer target: gather_inputs reading a path list ("-") from a stream over the input. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gather.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dash[] = "-";
	char *args[] = { dash };
	struct gather_opts opts = { 0 };
	struct gather g;
	struct fz_err err;
	size_t i;
	FILE *fp;

	/* The first byte picks -0; fmemopen refuses an empty buffer. */
	if (size < 2)
		return 0;
	opts.null_sep = data[0] & 1;
	if ((fp = fmemopen((void *)(data + 1), size - 1, "r")) == NULL)
		abort();
	opts.in = fp;
	if (gather_inputs(args, 1, &opts, &g, &err) == 0) {
		/* No empty entries, no newline left in a newline list. */
		for (i = 0; i < g.n; i++)
			if (g.v[i].path == NULL || g.v[i].path[0] == '\0' ||
			    (!opts.null_sep &&
			    strchr(g.v[i].path, '\n') != NULL))
				abort();
		gather_free(&g);
	}
	fclose(fp);
	return 0;
}
