/* The options of `faiz-idcard serve`: one table, defaults from srv_config_init. */
#ifndef SRV_OPTS_H
#define SRV_OPTS_H

#include "srv.h"
#include "util.h"

struct srv_opts {
	struct srv_config cfg;  /* listen, keys, redis, TLS, queue, limits */
	const char *models;     /* --models DIR, NULL for the usual places */
	long jobs;              /* -j N: engine threads; 0: one per processor */
	int quiet;              /* -q: no access log */
	int help;               /* -h */
};

/*
 * Parse the arguments after the word "serve" (argv[0] is "serve"). Returns
 * 0, or -1 with a usage message in err. Does not print.
 */
int srv_opts_parse(struct srv_opts *o, int argc, char **argv,
    struct fz_err *err);

extern const char srv_opts_synopsis[];
extern const char srv_opts_help[];

#endif
