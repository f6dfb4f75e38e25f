/* What a recogniser is to the run loop: one interface that the Faiz gateway and any other backend implement. */
#ifndef RECOG_H
#define RECOG_H

#include <stddef.h>

#include <jansson.h>

#include "input.h"
#include "util.h"

/*
 * A backend is created from its own settings (gw_new for the gateway),
 * takes images with submit, hands back finished results with next, says
 * why the run must stop with stop_reason, and is freed. The run loop never
 * sees how: an event-driven backend (libcurl multi) waits on its sockets
 * in wait(); a thread pool waits on its condition variable there, with
 * the same timeout. Every call comes from the run loop's one thread.
 *
 * Flow of one image: the run loop reads and checks the file (with the
 * limits the backend asks for in read_limits), then, while capacity() says
 * there is room, submit()s it. Some time later next() gives back a result
 * with the same id: recognised, failed with an error code, or aborted
 * (after cancel(): no record is kept). A backend may finish an image
 * within submit() (a local refusal): next() then returns it at once.
 */

/* Why a run must stop (0 while it may go on); main maps these to exit codes. */
enum recog_stop {
	RECOG_GO = 0,
	RECOG_STOP_AUTH,        /* the run cannot succeed: credentials, account, endpoint, TLS */
	RECOG_STOP_UNAVAILABLE, /* the service or engine failed after its retries */
	RECOG_STOP_OUTPUT,      /* the records cannot be written (set by the run loop) */
	RECOG_STOP_NOMEM,       /* out of memory (set by the run loop) */
	RECOG_STOP_BUDGET       /* the next call could spend more than the run may */
};

/* One image handed over: borrowed until its result comes back from next(). */
struct recog_job {
	size_t id;                  /* the run loop's index: the result carries it back */
	const char *path;           /* for messages only */
	const struct image *img;    /* bytes as read, header info, SHA-256 */
};

/* Images a backend returns, in the order records list them. */
enum recog_image_kind { RECOG_IMG_CROPPED, RECOG_IMG_PORTRAIT,
	RECOG_IMG_ID_NUMBER, RECOG_NIMAGES };

/* A text field: bytes may hold NUL, so the length travels with them. */
struct recog_text {
	char *s;                    /* NULL: unknown (null in the record) */
	size_t len;
};

/* The text fields in record order (record_text_fields); type and side apart. */
enum { RECOG_NTEXT = 8 };
/* The quality flags in record order (record_flag_fields). */
enum { RECOG_NFLAGS = 4 };

/*
 * A finished image. record_fill() turns it into the record: every value
 * that is unknown stays null there. All pointers are owned by the result
 * (recog_result_free).
 */
struct recog_result {
	size_t id;
	int aborted;                /* interrupted before it finished: keep no record */
	const char *side;           /* "front", "back", "temporary" (static) or NULL */
	struct recog_text type;
	struct recog_text text[RECOG_NTEXT];
	int flags[RECOG_NFLAGS];    /* -1 unknown, 0 false, 1 true */
	int has_time_cost;          /* time_cost is an object */
	int has_preprocess, has_recognize;
	long long preprocess, recognize; /* milliseconds, as the engine reports */
	struct recog_text sid;      /* the answer's session id */
	struct {
		unsigned char *data;    /* JPEG bytes; NULL when absent */
		size_t len;
	} images[RECOG_NIMAGES];
	struct strlist warnings;    /* pairs: code, message, code, message ... */
	json_t *prepared;           /* what was done to the image before recognition, or NULL */
	json_t *raw;                /* the backend's untouched answer (asked for), or NULL */
	int planned;                /* a dry run: nothing recognised, nothing spent */
	char code[32];              /* error code, "" when recognised */
	char *message;              /* the error's explanation, or NULL */
	/*
	 * What only the local engine gives (NULL / 0 from the gateway):
	 * confidence, an object of each text field's confidence in [0, 1];
	 * changes, an array of {field, reason, from, to} the card's rules made
	 * (from and to are personal data, as the fields are). A file with
	 * several cards gives one result per card, chained from the first
	 * through next_card (owned), card = 1..ncards in reading order; a
	 * file of one card has card 1, ncards 1; 0 from backends that do not
	 * count cards.
	 */
	json_t *confidence;
	json_t *changes;
	int card, ncards;
	struct recog_result *next_card;
	/* The local engine's card corners in photo pixels as the card finder
	 * gave them (which way up as its cues said), x, y pairs; has_corners
	 * 0 from the gateway.
	 * Not in the record: the bench matches cards to the truth by them. */
	int has_corners;
	double corners[8];
};

/* A backend's own counts for the summary and progress line. */
struct recog_stats {
	size_t requests;            /* calls to a service, retries included */
	size_t refused;             /* calls refused for rate */
	size_t charged;             /* answers the service charged for */
	size_t possibly_charged;    /* calls sent whose answer never came: perhaps charged */
	unsigned price;             /* points per charged answer, 0: nothing is paid */
};

struct recog_ops {
	const char *name;
	/* The limits the run loop reads files with. */
	void (*read_limits)(void *be, struct input_limits *lim);
	/*
	 * How many more images it takes now (0: none until a result comes).
	 * A paced backend still takes images while they wait for their turn.
	 */
	size_t (*capacity)(void *be);
	/* Images taken and not yet handed back by next(). */
	size_t (*pending)(void *be);
	/* Take an image. 0, or -1 with err when it could not (the run stops). */
	int (*submit)(void *be, const struct recog_job *job, struct fz_err *err);
	/*
	 * Move the work along for at most timeout seconds, returning early
	 * when a result is ready, and start what is due.
	 */
	void (*wait)(void *be, double timeout);
	/* A finished result (1, *out owned by the caller) or 0 for none now. */
	int (*next)(void *be, struct recog_result **out);
	/* Why the run must stop: RECOG_GO, or a reason with *why set (static until free). */
	enum recog_stop (*stop_reason)(void *be, const char **why);
	/*
	 * The run loop stops the run (the records cannot be written, out of
	 * memory): images not yet started come back failed "not_sent".
	 */
	void (*stop)(void *be, enum recog_stop reason, const char *why);
	/*
	 * Interrupted (^C): start nothing more; images not yet started come
	 * back aborted, while answers already on their way are awaited and
	 * kept (the service charges for them). Abandoning those too, at a
	 * second signal, is the backend's own (the gateway's transfers watch
	 * a flag the signal handler sets).
	 */
	void (*cancel)(void *be);
	void (*stats)(void *be, struct recog_stats *s);
	void (*free)(void *be);
	/*
	 * Optional (NULL: the backend cannot): the caller no longer wants
	 * image id (a server request past its time limit). The backend stops
	 * work on it at its next stage and hands it back soon through next(),
	 * with the error code "timeout"; a result already finished is handed
	 * back as it is.
	 */
	void (*abandon)(void *be, size_t id);
};

/*
 * Where a backend's own notes go (main alone prints): warnings (hidden by
 * -q) and one line per request or image with -v. Either may be NULL.
 */
struct recog_notes {
	void *ctx;
	void (*warn)(void *ctx, const char *msg);
	void (*verbose)(void *ctx, const char *line);
};

/* A backend: its operations and its state. */
struct recog {
	const struct recog_ops *ops;
	void *be;
};

/* A fresh result for id with every value unknown; NULL when out of memory. */
struct recog_result *recog_result_new(size_t id);
/* Set the error code and message (printf); 0, or -1 when out of memory. */
int recog_result_error(struct recog_result *r, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append a warning; 0 or -1. */
int recog_result_warn(struct recog_result *r, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copy n bytes into t (NUL-terminated too); 0 or -1. */
int recog_text_set(struct recog_text *t, const char *s, size_t n);
void recog_result_free(struct recog_result *r);

#endif
