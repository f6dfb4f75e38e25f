/* The HTTP server on libmicrohttpd: one thread per connection, routes, auth, body cap, queue, answers, drain. */
#include "srv_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "srv_answer.h"
#include "srv_auth.h"
#include "srv_file.h"
#include "srv_form.h"
#include "srv_metrics.h"
#include "srv_nonce.h"
#include "srv_queue.h"

#define PEM_MAX 1048576
#define RETRY_AFTER "1" /* seconds: one image's worth of engine time */

enum route { R_IDCARD, R_HEALTHZ, R_METRICS, R_OTHER };

static const char *const route_paths[] = {
	[R_IDCARD] = SRV_PATH_IDCARD, [R_HEALTHZ] = "/healthz",
	[R_METRICS] = "/metrics", [R_OTHER] = "-",
};

struct srv_http {
	struct srv_config cfg;
	struct srv_auth *auth; /* NULL without a keys file */
	struct srv_nonce *nonce;
	struct srv_queue *q;
	struct srv_metrics *m;
	struct MHD_Daemon *d;
	unsigned port;
	atomic_bool ready, stopping;
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when inflight drops to 0 */
	long inflight;
	int down;
	char *cert, *key; /* PEM, kept for the daemon's lifetime; the key wiped on free */
	size_t keylen;
};

/* One request, from its first handler call to the completion notice. */
struct req {
	double t0;
	enum route route;
	char method[8];
	int refused;          /* answer 403 (or store-down 503) once the body is read */
	enum srv_auth_status auth;
	int answered;         /* a response is queued */
	int over;             /* the body passed the cap */
	unsigned char *buf;
	size_t len, cap, received;
	unsigned status;
	char result[16];      /* for the log and the metrics */
	size_t out_bytes;
};

void
srv_config_init(struct srv_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = SRV_DEFAULT_LISTEN;
	c->workers = 1;
	c->queue = 16;
	c->request_timeout = 30;
	c->conn_timeout = 10;
	c->max_connections = 256;
	c->max_body = SRV_DEFAULT_MAX_BODY;
}

static double
mono(void)
{
	return fz_now_mono();
}

static void
logf_(struct srv_http *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct srv_http *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_ctx, line);
}

/* --- listen address ------------------------------------------------------ */

static int
parse_port(const char *p, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
srv_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    struct fz_err *err)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char host[64];
	const char *colon;
	unsigned port;
	size_t hn;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':' || (hn = (size_t)(rb - s - 1)) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hn);
		host[hn] = '\0';
		if (parse_port(rb + 2, &port) == -1 ||
		    inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	if ((colon = strrchr(s, ':')) == NULL || (hn = (size_t)(colon - s)) >= sizeof(host) ||
	    memchr(s, ':', hn) != NULL)
		goto bad;
	memcpy(host, s, hn);
	host[hn] = '\0';
	if (parse_port(colon + 1, &port) == -1)
		goto bad;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		goto bad;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof(*a4);
	return 0;
bad:
	fz_seterr(err, "%s: expected ADDR:PORT or [IPV6]:PORT with a numeric "
	    "address and a port 0-65535", s);
	return -1;
}

int
srv_is_loopback(const struct sockaddr *sa)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const struct sockaddr_in6 *a6;
	const unsigned char *b;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = (const struct sockaddr_in6 *)sa;
	b = a6->sin6_addr.s6_addr;
	if (memcmp(b, &in6addr_loopback, 16) == 0)
		return 1;
	return memcmp(b, v4mapped, 12) == 0 && b[12] == 127;
}

int
srv_listen_allowed(const struct sockaddr *sa, bool have_keys, struct fz_err *err)
{
	if (have_keys || srv_is_loopback(sa))
		return 0;
	fz_seterr(err, "refusing to listen on a non-loopback address without "
	    "--keys: anyone who can reach it could use the service");
	return -1;
}

/* --- answers ------------------------------------------------------------- */

/* Queue body (malloc'd, taken over; NULL for empty) with status; MHD_NO on failure. */
static enum MHD_Result
respond(struct srv_http *s, struct MHD_Connection *c, struct req *r,
    unsigned status, char *body, const char *ctype, const char *result)
{
	struct MHD_Response *resp;
	size_t n = body != NULL ? strlen(body) : 0;
	enum MHD_Result ok;

	resp = MHD_create_response_from_buffer(n, body != NULL ? body : (char *)"",
	    body != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	if (ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER);
	if (atomic_load(&s->stopping))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ok = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	if (ok != MHD_YES)
		return ok;
	r->answered = 1;
	r->status = status;
	r->out_bytes = n;
	snprintf(r->result, sizeof(r->result), "%s", result);
	return ok;
}

static enum MHD_Result
respond_text(struct srv_http *s, struct MHD_Connection *c, struct req *r,
    unsigned status, const char *text, const char *ctype, const char *result)
{
	char *b = fz_strdup(text);

	if (b == NULL)
		return MHD_NO;
	return respond(s, c, r, status, b, ctype, result);
}

/* 200 with data {"error_code":code,...}, as the recogniser answers a bad upload. */
static enum MHD_Result
respond_code(struct srv_http *s, struct MHD_Connection *c, struct req *r, int code)
{
	struct fz_err err;
	char *body = srv_answer_error(code, &err), res[16];

	if (body == NULL)
		return MHD_NO;
	snprintf(res, sizeof(res), "%d", code);
	return respond(s, c, r, MHD_HTTP_OK, body, SRV_JSON_TYPE, res);
}

/* The gateway's refusal: a bare 403, or 503 when the nonce store could not answer. */
static enum MHD_Result
respond_refusal(struct srv_http *s, struct MHD_Connection *c, struct req *r)
{
	if (r->auth == SRV_AUTH_STORE_DOWN)
		return respond_text(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    srv_answer_store_down, SRV_JSON_TYPE, "store-down");
	return respond(s, c, r, MHD_HTTP_FORBIDDEN, NULL, NULL, "403");
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void
auth_req(struct MHD_Connection *c, struct srv_auth_req *ar)
{
	ar->access_key = header(c, "accessKey");
	ar->nonce = header(c, "nonce");
	ar->timestamp = header(c, "timestamp");
	ar->body = header(c, "body");
	ar->sign = header(c, "sign");
}

/* The recognition itself: form or raw body, checks, queue, engine, answer. */
static enum MHD_Result
answer_idcard(struct srv_http *s, struct MHD_Connection *c, struct req *r)
{
	const char *ct = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	const unsigned char *img = r->buf;
	size_t len = r->len;
	struct srv_auth_req ar;
	struct srv_result res;
	struct srv_job *job;
	struct fz_err err;
	unsigned char *copy;
	char *body;
	int code;

	if (r->over)
		return respond_code(s, c, r, SRV_E_SIZE);
	/* A urlencoded "form" holding a JPEG is a raw upload with a wrong label. */
	if (srv_form_is_form(ct) && !(len >= 2 && img[0] == 0xFF && img[1] == 0xD8 &&
	    strncmp(ct, "multipart/", 10) != 0)) {
		if ((code = srv_form_find(ct, r->buf, r->len, SRV_FORM_FIELD, &img, &len)) != 0)
			return respond_code(s, c, r, code);
	}
	if (s->auth != NULL) {
		auth_req(c, &ar);
		if (srv_auth_check_body(s->auth, &ar, img, len) != SRV_AUTH_OK) {
			r->auth = SRV_AUTH_BODY_MISMATCH;
			return respond_refusal(s, c, r);
		}
	}
	if ((code = srv_answer_precheck(img, len)) != 0)
		return respond_code(s, c, r, code);
	/* The queue owns its copy: a timed-out request may go before its worker does. */
	if (img == r->buf) {
		copy = r->buf;
		r->buf = NULL;
	} else if ((copy = malloc(len)) == NULL)
		return MHD_NO;
	else
		memcpy(copy, img, len);
	switch (srv_queue_submit(s->q, copy, len, &job)) {
	case SRV_QUEUE_OK:
		break;
	case SRV_QUEUE_FULL:
		free(copy);
		return respond_text(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    srv_answer_busy, SRV_JSON_TYPE, "overload");
	default:
		free(copy);
		return respond_text(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    srv_answer_busy, SRV_JSON_TYPE, "overload");
	}
	srv_result_init(&res);
	switch (srv_queue_wait(s->q, job, s->cfg.request_timeout -
	    (mono() - r->t0), &res, &err)) {
	case SRV_QUEUE_OK:
		break;
	case SRV_QUEUE_TIMEOUT:
		return respond_code(s, c, r, SRV_E_TIMEOUT);
	default:
		logf_(s, "engine failed: %s", err.msg);
		return respond_code(s, c, r, SRV_E_UNKNOWN);
	}
	body = srv_answer_result(&res, &err);
	code = res.error_code;
	srv_result_free(&res);
	if (body == NULL) {
		logf_(s, "cannot answer: %s", err.msg);
		return respond_code(s, c, r, SRV_E_UNKNOWN);
	}
	char rs[16];
	snprintf(rs, sizeof(rs), "%d", code);
	return respond(s, c, r, MHD_HTTP_OK, body, SRV_JSON_TYPE, rs);
}

static enum MHD_Result
answer(struct srv_http *s, struct MHD_Connection *c, struct req *r)
{
	long waiting, running;
	char *text;

	switch (r->route) {
	case R_HEALTHZ:
		if (atomic_load(&s->ready) && !atomic_load(&s->stopping))
			return respond_text(s, c, r, MHD_HTTP_OK, "ready\n",
			    "text/plain; charset=utf-8", "healthz");
		return respond_text(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    atomic_load(&s->stopping) ? "stopping\n" : "loading\n",
		    "text/plain; charset=utf-8", "healthz");
	case R_METRICS:
		srv_queue_depth(s->q, &waiting, &running);
		if ((text = srv_metrics_render(s->m, waiting, running,
		    atomic_load(&s->ready), mono())) == NULL)
			return MHD_NO;
		return respond(s, c, r, MHD_HTTP_OK, text,
		    "text/plain; version=0.0.4; charset=utf-8", "metrics");
	case R_OTHER:
		return respond(s, c, r, MHD_HTTP_FORBIDDEN, NULL, NULL, "bad-route");
	case R_IDCARD:
		break;
	}
	if (r->refused)
		return respond_refusal(s, c, r);
	return answer_idcard(s, c, r);
}

/* --- the handler --------------------------------------------------------- */

static enum route
route_of(const char *url, const char *method)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (strcmp(url, SRV_PATH_IDCARD) == 0 && strcmp(method, "POST") == 0)
		return R_IDCARD;
	if (strcmp(url, "/healthz") == 0 && get)
		return R_HEALTHZ;
	if (strcmp(url, "/metrics") == 0 && get)
		return R_METRICS;
	return R_OTHER;
}

/* First call: headers are in. Authenticate now so a refused upload is never buffered. */
static enum MHD_Result
begin(struct srv_http *s, struct MHD_Connection *c, const char *url,
    const char *method, void **con_cls)
{
	struct srv_auth_req ar;
	struct fz_err err;
	const char *cl;
	struct req *r;
	unsigned long long n;
	char *end;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MHD_NO;
	r->t0 = mono();
	r->route = route_of(url, method);
	snprintf(r->method, sizeof(r->method), "%s",
	    strlen(method) < sizeof(r->method) ? method : "OTHER");
	*con_cls = r;
	pthread_mutex_lock(&s->lock);
	s->inflight++;
	pthread_mutex_unlock(&s->lock);
	if (r->route != R_IDCARD)
		return MHD_YES;
	if (s->auth != NULL) {
		auth_req(c, &ar);
		err.msg[0] = '\0';
		r->auth = srv_auth_check(s->auth, s->nonce, &ar, time(NULL),
		    mono(), &err);
		r->refused = r->auth != SRV_AUTH_OK;
		if (r->auth == SRV_AUTH_STORE_DOWN)
			logf_(s, "nonce store: %s", err.msg);
	}
	/* The cap applies before any of the body is read. */
	if ((cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH)) != NULL) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno == 0 && *end == '\0' && n > s->cfg.max_body)
			return r->refused ? respond_refusal(s, c, r) :
			    respond_code(s, c, r, SRV_E_SIZE);
	}
	return MHD_YES;
}

/* More of the body. Kept up to the cap; a refused request's body is only counted. */
static enum MHD_Result
take(struct srv_http *s, struct req *r, const char *data, size_t n)
{
	unsigned char *nb;
	size_t want;

	r->received += n;
	/* A streamed body past the cap, or one trickling in for too long: drop the connection. */
	if (r->received > 2 * s->cfg.max_body ||
	    mono() - r->t0 > 6.0 * s->cfg.conn_timeout)
		return MHD_NO;
	if (r->route != R_IDCARD || r->refused || r->over)
		return MHD_YES;
	if (r->len + n > s->cfg.max_body) {
		r->over = 1;
		free(r->buf);
		r->buf = NULL;
		r->len = r->cap = 0;
		return MHD_YES;
	}
	if (r->len + n > r->cap) {
		want = r->cap ? r->cap : 65536;
		while (want < r->len + n)
			want *= 2;
		if (want > s->cfg.max_body)
			want = s->cfg.max_body;
		if ((nb = realloc(r->buf, want)) == NULL)
			return MHD_NO;
		r->buf = nb;
		r->cap = want;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return MHD_YES;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct srv_http *s = cls;
	struct req *r = *con_cls;
	size_t n;

	(void)version;
	if (r == NULL)
		return begin(s, c, url, method, con_cls);
	if (r->answered) {
		/* Answered early (body over the cap): throw the rest away. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		/*
		 * MHD cannot answer in the middle of a body: a streamed body
		 * past the cap is read on (not kept) and answered 40006 at its
		 * end, or the connection dropped at twice the cap.
		 */
		return take(s, r, upload_data, n);
	}
	return answer(s, c, r);
}

static void
peer_of(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	if (sa != NULL && sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip)))
		snprintf(out, n, "%s:%u", ip,
		    ntohs(((const struct sockaddr_in *)sa)->sin_port));
	else if (sa != NULL && sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip)))
		snprintf(out, n, "[%s]:%u", ip,
		    ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	else
		snprintf(out, n, "-");
}

/*
 * The access log line and the metrics, once per request. Only fixed
 * strings and numbers go in: the route (never the URL as sent), method,
 * status, result code, byte counts, milliseconds and the peer address.
 */
static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct srv_http *s = cls;
	struct req *r = *con_cls;
	char peer[INET6_ADDRSTRLEN + 12];
	double now = mono(), secs;

	if (r == NULL)
		return;
	*con_cls = NULL;
	secs = now - r->t0;
	if (!r->answered)
		snprintf(r->result, sizeof(r->result), "%s",
		    toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" : "aborted");
	if (r->route == R_IDCARD)
		srv_metrics_request(s->m, r->result, secs, now);
	peer_of(c, peer, sizeof(peer));
	logf_(s, "%s %s %s %u %s in=%zu out=%zu %.0fms", peer, r->method,
	    route_paths[r->route], r->status, r->result, r->received,
	    r->out_bytes, secs * 1000);
	free(r->buf);
	free(r);
	pthread_mutex_lock(&s->lock);
	if (--s->inflight == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

/* --- start and stop ------------------------------------------------------ */

struct srv_http *
srv_http_start(const struct srv_config *cfg, const struct srv_engine *eng,
    struct fz_err *err)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	struct srv_http *s;
	socklen_t sl;
	unsigned flags;
	size_t certlen;
	mode_t mode;

	if (srv_listen_parse(cfg->listen, &ss, &sl, err) == -1 ||
	    srv_listen_allowed((struct sockaddr *)&ss, cfg->keys_file != NULL, err) == -1)
		return NULL;
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
		fz_seterr(err, "--tls-cert and --tls-key go together");
		return NULL;
	}
	if (cfg->require_body_hash && cfg->keys_file == NULL) {
		fz_seterr(err, "--require-body-hash needs --keys");
		return NULL;
	}
	if (cfg->tls_cert != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fz_seterr(err, "this libmicrohttpd has no TLS support");
		return NULL;
	}
	if (cfg->max_body < 1024 || cfg->conn_timeout < 1 || cfg->request_timeout <= 0) {
		fz_seterr(err, "body cap, connection timeout and request timeout must be positive");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	atomic_init(&s->ready, false);
	atomic_init(&s->stopping, false);
	if (cfg->keys_file != NULL &&
	    (s->auth = srv_auth_new(cfg->keys_file, cfg->require_body_hash, err)) == NULL)
		goto fail;
	if ((s->nonce = srv_nonce_new(cfg->redis_url, 0, err)) == NULL)
		goto fail;
	if ((s->m = srv_metrics_new()) == NULL) {
		fz_seterr(err, "out of memory");
		goto fail;
	}
	if ((s->q = srv_queue_new(eng, cfg->workers, cfg->queue, err)) == NULL)
		goto fail;
	if (cfg->tls_cert != NULL &&
	    ((s->cert = srv_file_read(cfg->tls_cert, PEM_MAX, &certlen, &mode, err)) == NULL ||
	    (s->key = srv_file_read(cfg->tls_key, PEM_MAX, &s->keylen, &mode, err)) == NULL))
		goto fail;

	/* A thread per connection: a request blocks its own thread while the engine works. */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_ITC;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->cert != NULL)
		flags |= MHD_USE_TLS;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)128,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    s->cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		fz_seterr(err, "%s: cannot listen%s (address in use, or no permission)",
		    cfg->listen, s->cert != NULL ? " or bad TLS certificate or key" : "");
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL ? di->port : 0;
	return s;
fail:
	srv_http_free(s);
	return NULL;
}

unsigned
srv_http_port(struct srv_http *s)
{
	return s->port;
}

void
srv_http_set_ready(struct srv_http *s, bool ready)
{
	atomic_store(&s->ready, ready);
}

int
srv_http_reload(struct srv_http *s, struct fz_err *err)
{
	if (s->auth == NULL) {
		fz_seterr(err, "no keys file to reload");
		return -1;
	}
	return srv_auth_reload(s->auth, err);
}

void
srv_http_shutdown(struct srv_http *s, double drain_timeout)
{
	struct timespec dl;
	MHD_socket fd;

	if (s->down)
		return;
	s->down = 1;
	atomic_store(&s->stopping, true);
	if (s->d != NULL) {
		/* No new connections; the listening socket is ours to close. */
		if ((fd = MHD_quiesce_daemon(s->d)) != MHD_INVALID_SOCKET)
			close(fd);
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += (time_t)drain_timeout;
		pthread_mutex_lock(&s->lock);
		while (s->inflight > 0)
			if (pthread_cond_timedwait(&s->idle, &s->lock, &dl) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&s->lock);
		/* Idle keep-alive connections and anything past the deadline are closed here. */
		MHD_stop_daemon(s->d);
		s->d = NULL;
	}
	srv_queue_free(s->q);
	s->q = NULL;
}

void
srv_http_free(struct srv_http *s)
{
	if (s == NULL)
		return;
	srv_http_shutdown(s, 0);
	srv_metrics_free(s->m);
	srv_nonce_free(s->nonce);
	srv_auth_free(s->auth);
	free(s->cert);
	if (s->key != NULL) {
		OPENSSL_cleanse(s->key, s->keylen);
		free(s->key);
	}
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int
srv_signals_block(sigset_t *set, struct fz_err *err)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	/* hiredis writes to sockets Redis may have closed: an EPIPE, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if (pthread_sigmask(SIG_BLOCK, set, NULL) != 0) {
		fz_seterr(err, "cannot block signals");
		return -1;
	}
	return 0;
}

int
srv_http_run(struct srv_http *s, const sigset_t *set)
{
	struct fz_err err;
	long n;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (s->auth == NULL)
				logf_(s, "SIGHUP: no keys file to reload");
			else if (srv_http_reload(s, &err) == 0)
				logf_(s, "SIGHUP: keys reloaded (%zu keys)",
				    srv_auth_nkeys(s->auth));
			else
				logf_(s, "SIGHUP: keys not reloaded, the old keys "
				    "stay: %s", err.msg);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		n = s->inflight;
		pthread_mutex_unlock(&s->lock);
		logf_(s, "%s: draining %ld requests in flight",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT", n);
		/* A request may take request_timeout; allow that and a little more. */
		srv_http_shutdown(s, s->cfg.request_timeout + 5);
		logf_(s, "stopped");
		return 0;
	}
}
