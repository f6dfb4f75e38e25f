/* Exactness against ONNX Runtime 1.30: both models on the committed reference inputs of tests/fixtures/nn/. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nnfix.h"
#include "unit.h"

static float *
read_floats(const char *name, size_t n)
{
	char path[512];

	snprintf(path, sizeof(path), NNFIX_DIR "%s", name != NULL ? name : "");
	return nnfix_read_floats(path, n);
}

static size_t
dims_of(json_t *a, struct nn_tensor *t)
{
	size_t i, n = 1;

	t->ndim = (int)json_array_size(a);
	for (i = 0; i < json_array_size(a) && i < NN_MAX_DIMS; i++) {
		t->dims[i] = json_integer_value(json_array_get(a, i));
		n *= (size_t)t->dims[i];
	}
	return n;
}

/* CTC greedy decoding: argmax per step, repeats collapsed, blank 0 dropped. */
static size_t
ctc(const float *p, int64_t steps, int64_t classes, int *out, size_t max)
{
	int64_t t, c;
	int prev = -1;
	size_t n = 0;

	for (t = 0; t < steps; t++) {
		int best = 0;

		for (c = 1; c < classes; c++)
			if (p[t * classes + c] > p[t * classes + best])
				best = (int)c;
		if (best != prev && best != 0 && n < max)
			out[n++] = best;
		prev = best;
	}
	return n;
}

int
main(void)
{
	const char *dir = getenv("FAIZ_MODELS");
	struct nn_model *det = NULL, *rec = NULL;
	struct nn_ws *wdet = NULL, *wrec = NULL;
	struct fz_err err;
	json_error_t jerr;
	json_t *man, *cases;
	char path[512];
	size_t i;
	int ncases = 0;

	if (dir == NULL || dir[0] == '\0')
		dir = "models";
	man = json_load_file(NNFIX_DIR "manifest.json", 0, &jerr);
	CHECK(man != NULL);
	if (man == NULL)
		return unit_done("nn_exact");
	CHECK_STR(json_string_value(json_object_get(man, "ort_version")), "1.30.0");
	snprintf(path, sizeof(path), "%s/ch_PP-OCRv4_det_infer.onnx", dir);
	CHECK(nn_model_load(path, 0, &det, &err) == 0);
	snprintf(path, sizeof(path), "%s/ch_PP-OCRv4_rec_infer.onnx", dir);
	CHECK(nn_model_load(path, 0, &rec, &err) == 0);
	if (det == NULL || rec == NULL) {
		fprintf(stderr, "nn_exact: %s\n", err.msg);
		goto out;
	}
	wdet = nn_ws_new(det);
	wrec = nn_ws_new(rec);
	CHECK(wdet != NULL && wrec != NULL);
	cases = json_object_get(man, "cases");
	for (i = 0; i < json_array_size(cases); i++) {
		json_t *c = json_array_get(cases, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *kind = json_string_value(json_object_get(c, "model"));
		int is_det = kind != NULL && strcmp(kind, "det") == 0;
		struct nn_tensor in = { 0 }, want = { 0 }, got;
		size_t nin = dims_of(json_object_get(c, "input_dims"), &in);
		size_t nout = dims_of(json_object_get(c, "output_dims"), &want);
		float *ref;
		double maxd = 0.0;
		size_t j, flips = 0;
		int k, same_shape;

		in.data = read_floats(json_string_value(json_object_get(c, "input")), nin);
		ref = read_floats(json_string_value(json_object_get(c, "output")), nout);
		CHECK(in.data != NULL && ref != NULL);
		if (in.data == NULL || ref == NULL) {
			free(in.data);
			free(ref);
			continue;
		}
		ncases++;
		CHECK(nn_run(is_det ? det : rec, is_det ? wdet : wrec, &in, &got,
		    &err) == 0);
		same_shape = got.ndim == want.ndim;
		for (k = 0; same_shape && k < got.ndim; k++)
			same_shape = got.dims[k] == want.dims[k];
		CHECK(same_shape);
		if (!same_shape) {
			fprintf(stderr, "nn_exact: %s: %s\n", name, err.msg);
			free(in.data);
			free(ref);
			continue;
		}
		for (j = 0; j < nout; j++) {
			double d = fabs((double)got.data[j] - ref[j]);

			if (!(d <= maxd))
				maxd = d;
			if ((got.data[j] > 0.3f) != (ref[j] > 0.3f))
				flips++;
		}
		printf("nn_exact: %-24s max |diff| %.2e", name, maxd);
		CHECK(maxd <= 1e-3);
		if (is_det) {
			printf(", %zu of %zu pixels differ at 0.3\n", flips, nout);
			CHECK((double)flips <= 1e-4 * (double)nout);
		} else {
			int a[512], b[512];
			size_t na = ctc(got.data, got.dims[1], got.dims[2], a, 512);
			size_t nb = ctc(ref, want.dims[1], want.dims[2], b, 512);
			json_t *idx = json_object_get(c, "indices");

			printf(", CTC %zu classes\n", na);
			CHECK(na == nb && memcmp(a, b, na * sizeof(int)) == 0);
			/* The manifest's decoding was made by ONNX Runtime's side too. */
			CHECK(json_array_size(idx) == na);
			for (j = 0; j < na && j < json_array_size(idx); j++)
				CHECK(json_integer_value(json_array_get(idx, j)) == a[j]);
		}
		free(in.data);
		free(ref);
	}
	CHECK(ncases >= 6);
out:
	nn_ws_free(wdet);
	nn_ws_free(wrec);
	nn_model_free(det);
	nn_model_free(rec);
	json_decref(man);
	return unit_done("nn_exact");
}
