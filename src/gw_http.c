/* HTTP transport: a libcurl multi handle driving a fixed pool of easy handles; connections are kept alive. */
#include "gw_http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "version.h"

struct xfer {
	CURL *easy;
	curl_off_t body_len;    /* bytes the request body holds */
	struct curl_slist *headers;
	struct http_resp resp;
	size_t cap;
	size_t max;
	int too_large;
	int busy;
	void *user;
	const volatile sig_atomic_t *interrupted;
	char errbuf[CURL_ERROR_SIZE];
};

struct http {
	CURLM *multi;
	struct xfer *x;
	size_t nx;
	size_t busy;
	struct http_opts opts;
};

struct http *
http_new(const struct http_opts *opts, size_t slots, struct fz_err *err)
{
	struct http *h;
	size_t i;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->x = calloc(slots, sizeof(*h->x))) == NULL) {
		free(h);
		fz_seterr(err, "out of memory");
		return NULL;
	}
	h->nx = slots;
	h->opts = *opts;
	if ((h->multi = curl_multi_init()) == NULL)
		goto fail;
	for (i = 0; i < slots; i++)
		if ((h->x[i].easy = curl_easy_init()) == NULL)
			goto fail;
	/* One connection per slot at most, reused from request to request. */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)slots);
	return h;
fail:
	http_free(h);
	fz_seterr(err, "cannot initialise libcurl");
	return NULL;
}

void
http_free(struct http *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nx; i++) {
		if (h->x[i].busy)
			curl_multi_remove_handle(h->multi, h->x[i].easy);
		curl_slist_free_all(h->x[i].headers);
		free(h->x[i].resp.body);
		if (h->x[i].easy != NULL)
			curl_easy_cleanup(h->x[i].easy);
	}
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	free(h->x);
	free(h);
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

size_t
http_busy(const struct http *h)
{
	return h->busy;
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	struct http_resp *r = &x->resp;
	size_t n = size * nmemb, ncap;
	char *nb;

	/* Refuse before growing: a server cannot make us allocate past max. */
	if (n > x->max || r->len > x->max - n) {
		x->too_large = 1;
		return 0;
	}
	if (r->len + n + 1 > x->cap) {
		ncap = x->cap ? x->cap : 16384;
		while (ncap < r->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(r->body, ncap)) == NULL)
			return 0;
		r->body = nb;
		x->cap = ncap;
	}
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copy the value of header "name:" from line into out when it matches. */
static void
grab_header(const char *line, size_t n, const char *name, char *out,
    size_t outlen)
{
	size_t nl = strlen(name), vlen;
	const char *v;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	v = line + nl + 1;
	n -= nl + 1;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' ||
	    v[n - 1] == ' '))
		n--;
	vlen = n < outlen - 1 ? n : outlen - 1;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
}

static size_t
on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nitems;

	grab_header(buf, n, "date", x->resp.date, sizeof(x->resp.date));
	grab_header(buf, n, "content-type", x->resp.content_type,
	    sizeof(x->resp.content_type));
	return n;
}

static int
on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return x->interrupted != NULL && *x->interrupted;
}

/*
 * Did the whole body go out? Once it has, the service may have taken (and
 * charged) the request even when no answer comes back.
 */
static int
request_sent(const struct xfer *x)
{
	curl_off_t up = -1;
	long head = 0;

	/* The request line and headers first: nothing went out without them. */
	if (curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &head) != CURLE_OK ||
	    head <= 0 ||
	    curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up) != CURLE_OK)
		return 0;
	return up >= x->body_len;
}

static enum http_status
classify(CURLcode rc, const struct xfer *x)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_E_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_E_RESOLVE;
	case CURLE_COULDNT_CONNECT:
		return HTTP_E_CONNECT;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_E_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return x->too_large ? HTTP_E_TOO_LARGE : HTTP_E_OTHER;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return HTTP_E_RECV;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return HTTP_E_TLS;
	case CURLE_ABORTED_BY_CALLBACK:
		return HTTP_E_ABORTED;
	default:
		return HTTP_E_OTHER;
	}
}

int
http_start(struct http *h, const char *url, const char *const *headers,
    const void *body, size_t len, void *user, struct fz_err *err)
{
	struct curl_slist *tmp;
	struct xfer *x = NULL;
	CURL *c;
	size_t i;

	for (i = 0; i < h->nx && x == NULL; i++)
		if (!h->x[i].busy)
			x = &h->x[i];
	if (x == NULL) {
		fz_seterr(err, "no free transfer slot");
		return -1;
	}
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	free(x->resp.body);
	memset(&x->resp, 0, sizeof(x->resp));
	x->cap = 0;
	x->too_large = 0;
	x->max = h->opts.max_response;
	x->user = user;
	x->body_len = (curl_off_t)len;
	x->interrupted = h->opts.interrupted;
	x->errbuf[0] = '\0';

	for (i = 0; headers[i] != NULL; i++) {
		if ((tmp = curl_slist_append(x->headers, headers[i])) == NULL)
			goto nomem;
		x->headers = tmp;
	}
	/* No "Expect: 100-continue" round trip before the image goes up. */
	if ((tmp = curl_slist_append(x->headers, "Expect:")) == NULL)
		goto nomem;
	x->headers = tmp;
	if ((tmp = curl_slist_append(x->headers,
	    "Content-Type: application/octet-stream")) == NULL)
		goto nomem;
	x->headers = tmp;

	c = x->easy;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	    "faiz-idcard/" FAIZ_VERSION " (libcurl)");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)(h->opts.timeout * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(h->opts.connect_timeout * 1000));
	/* https: verified by default; --cacert names the CA, --insecure turns it off. */
	if (h->opts.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		if (h->opts.cacert != NULL)
			curl_easy_setopt(c, CURLOPT_CAINFO, h->opts.cacert);
	}
	/* Redirects are never followed: the image must not go to another host. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)h->opts.max_response);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
		fz_seterr(err, "cannot start the transfer");
		return -1;
	}
	x->busy = 1;
	h->busy++;
	return 0;
nomem:
	fz_seterr(err, "out of memory");
	return -1;
}

void
http_run(struct http *h, double timeout)
{
	int running = 0, numfds = 0;
	int ms = timeout <= 0 ? 0 : (int)(timeout * 1000 + 0.5);

	curl_multi_perform(h->multi, &running);
	if (ms > 0 && running > 0)
		curl_multi_poll(h->multi, NULL, 0, ms, &numfds);
	else if (ms > 0)
		fz_sleep(timeout);
	curl_multi_perform(h->multi, &running);
}

int
http_done(struct http *h, void **user, enum http_status *status,
    struct http_resp *resp, struct fz_err *err)
{
	struct xfer *x = NULL;
	CURLMsg *m;
	CURLcode rc;
	curl_off_t up;
	int left;
	char *priv;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE)
			break;
	}
	if (m == NULL)
		return 0;
	rc = m->data.result;
	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
	x = (struct xfer *)(void *)priv;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->resp.status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &x->resp.seconds);
	/* What went out: for -v, nothing at all for a refused connection. */
	up = 0;
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	x->resp.sent = request_sent(x);
	x->resp.sent_bytes = up > 0 ? (size_t)up : 0;
	curl_multi_remove_handle(h->multi, x->easy);
	x->busy = 0;
	h->busy--;
	*user = x->user;
	*status = classify(rc, x);
	if (*status != HTTP_OK) {
		long st = x->resp.status;
		int sent = x->resp.sent;

		if (*status == HTTP_E_TOO_LARGE)
			fz_seterr(err, "response larger than %zu bytes", x->max);
		else if (*status == HTTP_E_TLS)
			fz_seterr(err, "TLS: %s (--cacert FILE names the CA "
			    "certificates to trust)", x->errbuf[0] ? x->errbuf :
			    curl_easy_strerror(rc));
		else
			fz_seterr(err, "%s", x->errbuf[0] ? x->errbuf :
			    curl_easy_strerror(rc));
		http_resp_free(&x->resp);
		memset(resp, 0, sizeof(*resp));
		/* What the caller needs to tell a lost answer from an unsent request. */
		resp->status = st;
		resp->sent = sent;
		resp->sent_bytes = up > 0 ? (size_t)up : 0;
		return 1;
	}
	if (x->resp.body == NULL && (x->resp.body = calloc(1, 1)) == NULL) {
		fz_seterr(err, "out of memory");
		*status = HTTP_E_OTHER;
		memset(resp, 0, sizeof(*resp));
		return 1;
	}
	/* The body now belongs to the caller. */
	*resp = x->resp;
	memset(&x->resp, 0, sizeof(x->resp));
	x->cap = 0;
	return 1;
}

char *
http_redact_url(const char *url)
{
	const char *host = strstr(url, "://"), *at = NULL, *end, *p;

	if (host == NULL)
		return fz_strdup(url);
	host += 3;
	/* The authority ends at the first '/', '?' or '#', and its last '@'
	 * ends the user information. */
	end = host + strcspn(host, "/?#");
	for (p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return fz_strdup(url);
	return fz_printf("%.*s***%s", (int)(host - url), url, at);
}

long long
http_parse_date(const char *date)
{
	time_t t;

	if (date == NULL || *date == '\0')
		return -1;
	t = curl_getdate(date, NULL);
	return t == (time_t)-1 ? -1 : (long long)t;
}
