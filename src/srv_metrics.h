/* The server's counters and their Prometheus text exposition. */
#ifndef SRV_METRICS_H
#define SRV_METRICS_H

#include <stdbool.h>

struct srv_metrics;

struct srv_metrics *srv_metrics_new(void);
void srv_metrics_free(struct srv_metrics *m);

/*
 * Count one POST answered with `result`: a data.error_code ("0", "40006",
 * "50004", ...), "403" (refused by authentication), "overload",
 * "store-down" or "bad-route"; anything else counts as "other". seconds is
 * the time from the request line to the answer; mono the current monotonic
 * time (for images per second, counted when result is an error_code).
 */
void srv_metrics_request(struct srv_metrics *m, const char *result,
    double seconds, double mono);

/*
 * The exposition (text format 0.0.4), malloc'd: requests by result, the
 * latency histogram, queue depth (waiting, running), images recognised and
 * per second over the last 10 s, ready. NULL when out of memory.
 */
char *srv_metrics_render(struct srv_metrics *m, long waiting, long running,
    bool ready, double mono);

#endif
