/* The ONNX operators: output shape and execution of one node, to the specification at opsets 9-11. */
#ifndef NN_OPS_H
#define NN_OPS_H

#include "nn_graph.h"
#include "nn_kern.h"
#include "util.h"

/*
 * Sets out->dtype, ndim and dims for node nd with inputs in[0..nd->nin)
 * (in[j] NULL for an omitted optional input). Shape-valued inputs
 * (Reshape's shape, Resize's scales, ...) must carry data. -1 with err
 * when the inputs do not fit the operator.
 */
int nn_op_shape(const struct nn_node *nd, const struct nn_t *const *in,
    struct nn_t *out, struct fz_err *err);
/* Computes out->data (allocated by the caller for the shape above), then nd's epilogue. */
int nn_op_exec(const struct nn_node *nd, const struct nn_t *const *in,
    struct nn_t *out, struct nn_scratch *s, struct fz_err *err);

#endif
