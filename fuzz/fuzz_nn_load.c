/* libFuzzer target: nn_model_load_mem on any bytes; a model that loads is run once on a small input under a workspace cap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static float x[1 * 3 * 32 * 32];
	struct nn_model *m = NULL;
	struct nn_tensor in = { 0 }, out;
	struct nn_ws *ws;
	struct fz_err err;
	int i, rc;

	err.msg[0] = '\0';
	rc = nn_model_load_mem(data, size, "fuzz.onnx", &m, &err);
	if (rc != 0) {
		/* A failure is -1, no model, and a message naming the input. */
		if (rc != -1 || m != NULL || strncmp(err.msg, "fuzz.onnx: ", 11) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < 3 * 32 * 32; i++)
		x[i] = (float)(i % 7) - 3.0f;
	in.ndim = 4;
	in.dims[0] = 1;
	in.dims[1] = 3;
	in.dims[2] = 32;
	in.dims[3] = 32;
	in.data = x;
	ws = nn_ws_new(m);
	if (ws != NULL) {
		/* Hostile attributes may ask for huge tensors: they must fail cleanly. */
		nn_ws_set_limit(ws, (size_t)64 << 20);
		if (nn_run(m, ws, &in, &out, &err) == 0) {
			size_t n = 1;

			for (i = 0; i < out.ndim; i++)
				n *= (size_t)out.dims[i];
			/* The output must be readable in full. */
			if (n > 0 && out.data == NULL)
				abort();
			for (size_t j = 0; j < n; j += 97)
				x[0] += out.data[j] * 0.0f;
		}
		nn_ws_free(ws);
	}
	nn_model_free(m);
	return 0;
}
