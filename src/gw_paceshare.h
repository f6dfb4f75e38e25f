/* One pace for every run on this machine: a lock-protected state file per gateway host holding the next free send slot and the refused spacing. */
#ifndef GW_PACESHARE_H
#define GW_PACESHARE_H

#include <stddef.h>

#include "util.h"

/* How long a refusal keeps every run on the machine slowed down: the gateway's blacklist time. */
#define PACESHARE_FLOOR_TTL 1800.0

/*
 * What the file holds. Times are CLOCK_MONOTONIC seconds, the same in
 * every process of one boot; a value that lies further ahead than it ever
 * could is left from an earlier boot and is forgotten (paceshare_parse).
 */
struct paceshare_state {
	double slot;        /* the next request on the machine may start then */
	double floor;       /* spacing a refusal came at, 0: none */
	double floor_until; /* when floor is forgotten */
};

/*
 * The state file for endpoint (scheme://[user@]host[:port][/path]) under
 * $XDG_RUNTIME_DIR/faiz-idcard, else $XDG_STATE_HOME/faiz-idcard, else
 * $HOME/.local/state/faiz-idcard (the directory arguments, NULL when
 * unset): "pace-HOST_PORT", the host lower-cased and any byte other than
 * a-z 0-9 . - turned into _. *base gets the length of the leading part
 * that must exist already ($XDG_RUNTIME_DIR, the parent of
 * $XDG_STATE_HOME, $HOME): only what lies below it is ever created. 0, or
 * -1 when there is no directory to use or the name does not fit.
 */
int paceshare_path(const char *endpoint, const char *runtime_dir,
    const char *state_home, const char *home, char *out, size_t outlen,
    size_t *base);

/*
 * Read the file's text into st as of now (monotonic seconds). Anything
 * unreadable, from an earlier boot (slot more than max_ahead seconds ahead,
 * floor_until more than PACESHARE_FLOOR_TTL ahead) or expired reads as
 * nothing: zeros.
 */
void paceshare_parse(const char *text, size_t len, double now,
    double max_ahead, struct paceshare_state *st);
/* The file's text for st into out; the length, or -1 when it does not fit. */
int paceshare_format(const struct paceshare_state *st, char *out,
    size_t outlen);

struct paceshare;

/*
 * Open the file at path, creating it (mode 0600) and the directories
 * between its first base bytes and it (mode 0700). NULL with err.
 */
struct paceshare *paceshare_open(const char *path, size_t base,
    struct fz_err *err);
/*
 * A request wants to start now at spacing interval. Under the lock: when
 * the machine's slot has come, claim it (the next one is interval later)
 * and return 1; else return 0 with *at set to the slot. Either way *floor
 * gets the refused spacing any run on the machine saw (0: none). A file
 * that cannot be read or written does not hold the run up (1).
 */
int paceshare_take(struct paceshare *ps, double now, double interval,
    double *at, double *floor);
/*
 * This run was refused at spacing floor and now waits interval: every run
 * on the machine waits as long, and stays slower than floor.
 */
void paceshare_refused(struct paceshare *ps, double now, double interval,
    double floor);
void paceshare_close(struct paceshare *ps);

#endif
