/* Load-time graph optimisation: constant folding, BatchNormalization and affine folding into convolutions, epilogue fusion, schedule. */
#ifndef NN_OPT_H
#define NN_OPT_H

#include "nn_graph.h"
#include "util.h"

/* Rewrites a freshly built model in place and fills its schedule
 * (m->order, value use counts and last uses). -1 with err when folding a
 * constant subgraph fails (a malformed model). */
int nn_opt_model(struct nn_model *m, struct fz_err *err);

#endif
