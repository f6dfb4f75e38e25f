/* The neural-network runtime's public face: load an ONNX model once, run it from any number of threads. */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define NN_MAX_DIMS 8

/* A dense float32 tensor in row-major (NCHW) order. */
struct nn_tensor {
	int ndim;
	int64_t dims[NN_MAX_DIMS];
	float *data; /* owned by whoever made the tensor; see each call */
};

/* A loaded model: parsed, checked, constants folded. Immutable after
 * nn_model_load() returns, so one copy serves every thread. */
struct nn_model;

/* Per-thread scratch memory and intermediate tensors for one model.
 * One workspace must not be used by two threads at once. */
struct nn_ws;

/*
 * Load the ONNX file at path (at most max_bytes bytes; 0 means the
 * default of 64 MiB). Every node must be one of the operators the runtime
 * implements, at an opset it implements; anything else, and any malformed
 * or hostile file, is an error naming the file and what is wrong.
 * Returns 0 and *out, or -1 with err.
 */
int nn_model_load(const char *path, size_t max_bytes, struct nn_model **out,
    struct fz_err *err);
/* The same from bytes already in memory (at most 64 MiB), for callers that
 * verified the bytes first and for the fuzzer; name is used in messages. */
int nn_model_load_mem(const unsigned char *data, size_t len, const char *name,
    struct nn_model **out, struct fz_err *err);
void nn_model_free(struct nn_model *m);

struct nn_ws *nn_ws_new(const struct nn_model *m);
void nn_ws_free(struct nn_ws *ws);
/* Caps the memory ws may hold (tensors and kernel scratch) at max_bytes;
 * 0, the default, leaves only the per-tensor bound. A run that would need
 * more fails with an error instead (servers, the fuzzer). */
void nn_ws_set_limit(struct nn_ws *ws, size_t max_bytes);

/*
 * Run the model on its single input (a float32 tensor of any size the
 * model accepts). On success *out describes the model's first output; its
 * data lives in ws and stays valid until the next nn_run,
 * nn_ws_set_limit or nn_ws_free on ws. Returns 0, or -1 with err (shape
 * mismatch, workspace limit, out of memory).
 */
int nn_run(const struct nn_model *m, struct nn_ws *ws,
    const struct nn_tensor *in, struct nn_tensor *out, struct fz_err *err);

#endif
