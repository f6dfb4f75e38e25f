/* Reading the gateway's answer: both envelopes, every failure row of the protocol, the fields and images it returns. */
#ifndef GW_RESPONSE_H
#define GW_RESPONSE_H

#include <stddef.h>

#include <jansson.h>

#include "recog.h"
#include "util.h"

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
 * Copy the recognised fields of r->data into out (side, type, the text
 * fields, flags, time_cost) and sid from the envelope. Returns 0, or -1
 * with r->code/message set to bad_response when a field has the wrong
 * type (fields before it stay copied, as they were read).
 */
int resp_fill_result(struct resp_result *r, struct recog_result *out);

enum { RESP_IMG_OK = 0, RESP_IMG_BAD = -1, RESP_IMG_NOMEM = -2 };
/*
 * Decode the images asked for (bits 1 << enum recog_image_kind) present in
 * the response's data (data.cropped_image, data.head_portrait.image,
 * data.id_number_image; missing, null or "" is absent) into out->images,
 * checking each is a JPEG. RESP_IMG_OK, or RESP_IMG_BAD ("returned KIND
 * image is not valid base64" and the like: the record's bad_image) or
 * RESP_IMG_NOMEM with err set.
 */
int resp_images(const json_t *data, unsigned kinds, struct recog_result *out,
    struct fz_err *err);
void resp_free(struct resp_result *r);

/* The service page's explanation for a data.error_code, or NULL. */
const char *resp_error_text(long code);

#endif
