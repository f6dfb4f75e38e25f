/* HTTP transport: libcurl easy handle reused across requests for keep-alive. */
#include "http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "version.h"

struct http {
	CURL *curl;
	struct http_opts opts;
	char errbuf[CURL_ERROR_SIZE];
};

struct sink {
	struct http_resp *resp;
	size_t cap;
	size_t max;
	int too_large;
};

struct http *
http_new(const struct http_opts *opts, struct fz_err *err)
{
	struct http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	h->opts = *opts;
	if ((h->curl = curl_easy_init()) == NULL) {
		free(h);
		fz_seterr(err, "cannot initialise libcurl");
		return NULL;
	}
	return h;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	struct http_resp *r = s->resp;
	size_t n = size * nmemb, ncap;
	char *nb;

	/* Refuse before growing: a server cannot make us allocate past max. */
	if (n > s->max || r->len > s->max - n) {
		s->too_large = 1;
		return 0;
	}
	if (r->len + n + 1 > s->cap) {
		ncap = s->cap ? s->cap : 16384;
		while (ncap < r->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(r->body, ncap)) == NULL)
			return 0;
		r->body = nb;
		s->cap = ncap;
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
	struct sink *s = userdata;
	size_t n = size * nitems;

	grab_header(buf, n, "date", s->resp->date, sizeof(s->resp->date));
	grab_header(buf, n, "content-type", s->resp->content_type,
	    sizeof(s->resp->content_type));
	return n;
}

static int
on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct http *h = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return h->opts.interrupted != NULL && *h->opts.interrupted;
}

static enum http_status
classify(CURLcode rc, const struct sink *s)
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
		return s->too_large ? HTTP_E_TOO_LARGE : HTTP_E_OTHER;
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

enum http_status
http_post(struct http *h, const char *url, const char *const *headers,
    const void *body, size_t len, struct http_resp *resp, struct fz_err *err)
{
	struct curl_slist *list = NULL, *tmp;
	struct sink sink;
	enum http_status st;
	CURLcode rc;
	CURL *c = h->curl;
	size_t i;

	memset(resp, 0, sizeof(*resp));
	memset(&sink, 0, sizeof(sink));
	sink.resp = resp;
	sink.max = h->opts.max_response;
	h->errbuf[0] = '\0';

	for (i = 0; headers[i] != NULL; i++) {
		if ((tmp = curl_slist_append(list, headers[i])) == NULL)
			goto nomem;
		list = tmp;
	}
	/* No "Expect: 100-continue" round trip before the image goes up. */
	if ((tmp = curl_slist_append(list, "Expect:")) == NULL)
		goto nomem;
	list = tmp;
	if ((tmp = curl_slist_append(list,
	    "Content-Type: application/octet-stream")) == NULL)
		goto nomem;
	list = tmp;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	    "faiz-idcard/" FAIZ_VERSION " (libcurl)");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)(h->opts.timeout * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(h->opts.connect_timeout * 1000));
	/* Redirects are never followed: the image must not go to another host. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)h->opts.max_response);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);

	rc = curl_easy_perform(c);
	curl_slist_free_all(list);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &resp->seconds);
	st = classify(rc, &sink);
	if (st != HTTP_OK) {
		if (st == HTTP_E_TOO_LARGE)
			fz_seterr(err, "response larger than %zu bytes",
			    h->opts.max_response);
		else
			fz_seterr(err, "%s", h->errbuf[0] ? h->errbuf :
			    curl_easy_strerror(rc));
		http_resp_free(resp);
		return st;
	}
	if (resp->body == NULL && (resp->body = calloc(1, 1)) == NULL) {
		fz_seterr(err, "out of memory");
		return HTTP_E_OTHER;
	}
	return HTTP_OK;

nomem:
	curl_slist_free_all(list);
	fz_seterr(err, "out of memory");
	return HTTP_E_OTHER;
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
