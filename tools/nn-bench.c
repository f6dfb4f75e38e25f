/* Benchmark of the neural-network runtime: CPU time per pass and peak RSS (built by `make nn-bench`).
 *
 * Usage: build/nn-bench MODEL.onnx C H W [ITERATIONS] [MODEL.onnx C H W [ITERATIONS]]...
 *
 * Loads every model given first (so the RSS covers all of them loaded at
 * once), then for each: one warm-up pass, then ITERATIONS (default 10)
 * timed passes on a fixed pseudo-random 1xCxHxW input. OpenBLAS runs on
 * the calling thread only. Prints one line per model, then the peak RSS:
 *
 *   nn-bench MODEL 1x3x736x960 median_ms 152.3 min_ms 150.1 passes 10
 *   nn-bench peak_rss_mb 141.2
 *
 * Times are process CPU time (CLOCK_PROCESS_CPUTIME_ID), so any stray
 * thread would show up in them. Exit status 0, or 1 with a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn.h"
#include "nn_kern.h"

#define MAX_MODELS 8

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	struct {
		const char *path;
		long c, h, w, iters;
		struct nn_model *m;
	} job[MAX_MODELS];
	int nj = 0, i, k, rc = 1;
	struct fz_err err;
	struct rusage ru;

	nn_blas_pick_core(argv);
	for (i = 1; i < argc;) {
		if (nj == MAX_MODELS || i + 3 >= argc ||
		    parse_num(argv[i + 1], 1, 64, &job[nj].c) != 0 ||
		    parse_num(argv[i + 2], 1, 8192, &job[nj].h) != 0 ||
		    parse_num(argv[i + 3], 1, 8192, &job[nj].w) != 0)
			goto usage;
		job[nj].path = argv[i];
		job[nj].iters = 10;
		job[nj].m = NULL;
		i += 4;
		if (i < argc && parse_num(argv[i], 1, 100000, &job[nj].iters) == 0)
			i++;
		nj++;
	}
	if (nj == 0)
		goto usage;
	for (k = 0; k < nj; k++) {
		if (nn_model_load(job[k].path, 0, &job[k].m, &err) != 0) {
			fprintf(stderr, "nn-bench: %s\n", err.msg);
			goto out;
		}
	}
	for (k = 0; k < nj; k++) {
		struct nn_tensor in = { 0 }, out;
		size_t n = (size_t)(job[k].c * job[k].h * job[k].w), j;
		struct nn_ws *ws = nn_ws_new(job[k].m);
		double *t = calloc((size_t)job[k].iters, sizeof(double)), t0;
		uint32_t seed = 12345;
		long it;

		in.ndim = 4;
		in.dims[0] = 1;
		in.dims[1] = job[k].c;
		in.dims[2] = job[k].h;
		in.dims[3] = job[k].w;
		in.data = malloc(n * sizeof(float));
		if (ws == NULL || t == NULL || in.data == NULL) {
			fprintf(stderr, "nn-bench: out of memory\n");
			goto out;
		}
		for (j = 0; j < n; j++) {
			seed = seed * 1664525u + 1013904223u;
			in.data[j] = (float)(seed >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
		}
		for (it = -1; it < job[k].iters; it++) {
			t0 = cpu_ms();
			if (nn_run(job[k].m, ws, &in, &out, &err) != 0) {
				fprintf(stderr, "nn-bench: %s\n", err.msg);
				goto out;
			}
			if (it >= 0)
				t[it] = cpu_ms() - t0;
		}
		qsort(t, (size_t)job[k].iters, sizeof(double), cmp_double);
		printf("nn-bench %s 1x%ldx%ldx%ld median_ms %.1f min_ms %.1f passes %ld\n",
		    job[k].path, job[k].c, job[k].h, job[k].w,
		    t[job[k].iters / 2], t[0], job[k].iters);
		free(t);
		free(in.data);
		nn_ws_free(ws);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("nn-bench peak_rss_mb %.1f\n", ru.ru_maxrss / 1024.0);
	printf("nn-bench blas_core %s\n", nn_blas_core());
	rc = 0;
out:
	for (k = 0; k < nj; k++)
		nn_model_free(job[k].m);
	return rc;
usage:
	fprintf(stderr, "usage: nn-bench MODEL.onnx C H W [ITERATIONS] ...\n");
	return 2;
}
