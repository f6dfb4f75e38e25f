/* Exit codes of faiz-idcard: the numbers documented in EXIT STATUS of faiz-idcard(1). */
#ifndef EXITCODE_H
#define EXITCODE_H

enum exit_code {
	EXIT_OK = 0,          /* every image recognised */
	EXIT_SOME_FAILED = 1, /* at least one image failed */
	EXIT_USAGE = 2,       /* usage or configuration error */
	EXIT_AUTH = 3,        /* credentials, authentication, quota, blacklist, endpoint: the run cannot succeed */
	EXIT_UNAVAILABLE = 4, /* network or server unavailable after retries, or broken answers */
	EXIT_BUDGET = 5,      /* --max-points: the next call could have gone past the limit */
	EXIT_INTERRUPTED = 130 /* SIGINT or SIGTERM */
};

#endif
