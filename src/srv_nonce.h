/* The seen-nonce store: nonces refused for 300 s, kept in memory or shared through Redis. */
#ifndef SRV_NONCE_H
#define SRV_NONCE_H

#include <stddef.h>

#include "util.h"

#define SRV_NONCE_TTL 300          /* seconds, as the gateway keeps them in Redis */
#define SRV_NONCE_MAX_LEN 1024     /* longer nonces are refused before they are stored */
#define SRV_NONCE_MEM_MAX 1000000  /* memory store bound: about 300 s at 3,000 requests/s */

struct srv_nonce;

/*
 * A store. url NULL: in memory, at most max_entries live nonces (0 =
 * SRV_NONCE_MEM_MAX). Otherwise a Redis URL: redis://[:PASSWORD@]HOST[:PORT][/DB],
 * unix:PATH, unix://PATH or an absolute socket PATH. The connection is made
 * here, so a wrong URL or a Redis that is down fails at start. An error
 * never shows a password.
 */
struct srv_nonce *srv_nonce_new(const char *url, size_t max_entries,
    struct fz_err *err);
void srv_nonce_free(struct srv_nonce *s);

/*
 * Record nonce[0..len) as seen at now (a monotonic time in seconds; Redis
 * uses its own clock). Returns 1 when it was fresh and is now stored for
 * SRV_NONCE_TTL seconds, 0 when it was seen within that time (a replay),
 * -1 with err when the store cannot tell (Redis down, memory store full):
 * the caller must then refuse the request. Thread-safe; the check and the
 * store are one atomic step (SET NX EX in Redis).
 */
int srv_nonce_check(struct srv_nonce *s, const char *nonce, size_t len,
    double now, struct fz_err *err);

/* Live nonces in a memory store (expired ones dropped first), -1 for Redis. */
long srv_nonce_count(struct srv_nonce *s, double now);

#endif
