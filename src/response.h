/* Reading the gateway's answer: both envelopes, every failure row of the protocol. */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stddef.h>

#include <jansson.h>

enum resp_verdict {
	RESP_OK,          /* recognised */
	RESP_IMAGE_FAILED,/* this image was not recognised (charged, not retried) */
	RESP_AUTH,        /* bare 403: retry once with a new nonce */
	RESP_BLACKLIST,   /* 401: stop */
	RESP_QUOTA,       /* 500 quota used up: stop */
	RESP_THROTTLED,   /* 1414: slow the whole run, retry */
	RESP_BUSY,        /* 50004: backend refused for rate (charged), slow down, retry */
	RESP_BACKEND,     /* 50000/50002: retry a bounded number of times */
	RESP_NOT_GATEWAY, /* 50003 or an unexpected HTTP status: endpoint is wrong, stop */
	RESP_SERVER,      /* 5xx: retry with backoff */
	RESP_BAD          /* not what the service sends: error for this image */
};

struct resp_result {
	enum resp_verdict verdict;
	int charged;          /* the gateway counts (and charges) this answer */
	char code[32];        /* error code for the record ("40007", "1414", "quota", ...) */
	char message[512];    /* human explanation */
	json_t *root;         /* parsed body, or NULL when not JSON (owned) */
	json_t *data;         /* root.data when an object (borrowed) */
};

/* Classify one HTTP answer. Never fails: odd input gives RESP_BAD. */
void resp_parse(long status, const char *body, size_t len,
    struct resp_result *r);
/*
 * Copy the recognised fields of r->data into the record (side, type, the
 * text fields, flags, time_cost) and sid from the envelope. Returns 0, or -1
 * with r->code/message set to bad_response when a field has the wrong type.
 */
int resp_fill_record(struct resp_result *r, json_t *rec);
void resp_free(struct resp_result *r);

/* The service page's explanation for a data.error_code, or NULL. */
const char *resp_error_text(long code);

#endif
