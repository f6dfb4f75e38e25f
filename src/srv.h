/* The server's shared vocabulary: the recognition result, the engine callback and the server settings. */
#ifndef SRV_H
#define SRV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "gw_prepare.h"
#include "util.h"

/* The service's limits on one image: the gateway's own, defined once in gw_prepare.h. */
#define SRV_MAX_IMAGE_BYTES PREPARE_MAX_BYTES /* 4 MiB after base64 */
#define SRV_MAX_SIDE PREPARE_MAX_SIDE         /* longest side, px */
#define SRV_MIN_SIDE 100            /* shortest side, px: below it nothing is legible */
/* The request body cap: one image plus room for multipart framing. */
#define SRV_DEFAULT_MAX_BODY (SRV_MAX_IMAGE_BYTES + 65536)

/* data.error_code values from the service page's table. */
enum srv_code {
	SRV_OK = 0,
	SRV_E_MISSING_PARAM = 40002, /* multipart without an imageData field */
	SRV_E_NO_BODY = 40004,
	SRV_E_NOT_IMAGE = 40005,
	SRV_E_SIZE = 40006,
	SRV_E_NOT_RECOGNISED = 40007,
	SRV_E_CONTENT_TYPE = 40008,
	SRV_E_CORRUPT = 40009,
	SRV_E_EXTRACT = 40010,
	SRV_E_TIMEOUT = 50004,
	SRV_E_UNKNOWN = 90099
};

/* data.type: the side of the card the engine found. */
enum srv_card_type {
	SRV_CARD_FRONT,     /* 第二代身份证 */
	SRV_CARD_BACK,      /* 第二代身份证背面 */
	SRV_CARD_TEMPORARY  /* 临时身份证 */
};

/* A JPEG the engine cut out (owned, malloc'd); data NULL when there is none. */
struct srv_image {
	unsigned char *data;
	size_t len;
};

/*
 * One recognition, as plain C for the engine to fill. Strings are UTF-8,
 * malloc'd and owned by the result; NULL leaves the field out of the answer
 * (the real service leaves out what a side does not carry). error_code is
 * SRV_OK for a recognised card; any other value (say SRV_E_NOT_RECOGNISED)
 * makes the answer carry only error_code and error_msg, as the recogniser's
 * do. Free with srv_result_free.
 */
struct srv_result {
	int error_code;
	enum srv_card_type type;
	char *name, *sex, *people, *birthday, *address, *id_number; /* front */
	char *issue_authority, *validity;                           /* back */
	bool head_covered, head_blurred, border_covered, gray_image, complete;
	struct srv_image cropped_image;   /* either side */
	struct srv_image id_number_image; /* front */
	struct srv_image head_portrait;   /* front: head_portrait.image */
	long time_preprocess_ms, time_recognize_ms;
};

/* Zero r and set the flags the real service sends by default (complete = true). */
void srv_result_init(struct srv_result *r);
void srv_result_free(struct srv_result *r);

/*
 * The engine seam. The server calls recognise from worker thread
 * worker_index (0 .. workers-1), never twice at once with the same index,
 * so the engine can keep one workspace per index and share its weights.
 * jpeg[0..len) has passed the server's checks (a JPEG whose header parses,
 * within the size limits). Returns 0 with out filled (out arrives
 * initialised by srv_result_init; out->error_code says whether a card was
 * recognised) or -1 with err set when the engine itself failed (answered
 * as 90099 unknown, err logged without the image). err must never hold
 * personal data. *cancel turns non-zero when the request's time limit has
 * passed and no one waits for the answer any more: the engine should stop
 * soon (SRV_E_TIMEOUT) so that the worker is free for the next request.
 */
typedef int (*srv_recognise_fn)(void *engine_ctx, int worker_index,
    const unsigned char *jpeg, size_t len, const atomic_int *cancel,
    struct srv_result *out, struct fz_err *err);

struct srv_engine {
	srv_recognise_fn recognise;
	void *ctx;
};

/* One access-log or event line (no newline), handed to whoever prints (main). */
typedef void (*srv_log_fn)(void *log_ctx, const char *line);

/*
 * Everything `faiz-idcard serve` configures; srv_config_init sets the
 * defaults. The strings are borrowed: they must outlive the server.
 */
struct srv_config {
	const char *listen;      /* ADDR:PORT or [V6ADDR]:PORT; default 127.0.0.1:8090 */
	const char *keys_file;   /* NULL: no authentication (loopback only) */
	const char *redis_url;   /* NULL: nonces in memory */
	const char *tls_cert, *tls_key; /* PEM files, both or neither */
	bool require_body_hash;  /* body header must be the image's SHA-256 */
	int workers;             /* engine threads (-j) */
	int queue;               /* requests waiting for a worker before overload */
	double request_timeout;  /* seconds from the request's start to its answer: 50004 after */
	unsigned conn_timeout;   /* seconds a connection may stay idle (slow loris);
	                            a body still arriving after 6 times this is cut off */
	unsigned max_connections;
	size_t max_body;         /* request body cap in bytes */
	srv_log_fn log;
	void *log_ctx;
};

void srv_config_init(struct srv_config *c);

#endif
