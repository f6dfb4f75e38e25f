/* The HTTP side of `faiz-idcard serve`: libmicrohttpd daemon, routes, body cap, access log, drain. */
#ifndef SRV_HTTP_H
#define SRV_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "gw.h"
#include "srv.h"
#include "util.h"

#define SRV_DEFAULT_LISTEN "127.0.0.1:8090"
/* The service's own path, the one the gateway client calls. */
#define SRV_PATH_IDCARD GW_API_PATH

/*
 * Parse ADDR:PORT (IPv4 dotted quad, [IPv6]:PORT, or localhost:PORT) into
 * *ss. PORT is 0-65535 (0: any free port, for tests). No name lookups.
 */
int srv_listen_parse(const char *s, struct sockaddr_storage *ss,
    socklen_t *len, struct fz_err *err);

/* 1 for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104, else 0. */
int srv_is_loopback(const struct sockaddr *sa);

/*
 * Whether the server may listen on sa: without a keys file only on a
 * loopback address, since anyone who can reach it could otherwise send
 * ID images through it unauthenticated. 0, or -1 with err.
 */
int srv_listen_allowed(const struct sockaddr *sa, bool have_keys,
    struct fz_err *err);

struct srv_http;

/*
 * Check the settings, load the keys, connect the nonce store, start the
 * workers and the daemon. Call srv_signals_block first when srv_http_run
 * is to handle signals, so that no thread started here takes them.
 * /healthz answers 503 until srv_http_set_ready.
 */
struct srv_http *srv_http_start(const struct srv_config *cfg,
    const struct srv_engine *eng, struct fz_err *err);
unsigned srv_http_port(struct srv_http *s);
void srv_http_set_ready(struct srv_http *s, bool ready);
/* SIGHUP: read the keys file again; on error the old keys stay. */
int srv_http_reload(struct srv_http *s, struct fz_err *err);
/*
 * Stop accepting, let requests in flight finish (at most drain_timeout
 * seconds), close every connection, stop the workers. Idempotent.
 */
void srv_http_shutdown(struct srv_http *s, double drain_timeout);
void srv_http_free(struct srv_http *s);

/* Ignore SIGPIPE; block SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every thread it starts). */
int srv_signals_block(sigset_t *set, struct fz_err *err);
/*
 * Serve until SIGTERM or SIGINT (set from srv_signals_block), reloading the
 * keys on SIGHUP (outcome logged), then shut down with drain. Returns 0.
 */
int srv_http_run(struct srv_http *s, const sigset_t *set);

#endif
