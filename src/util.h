/* Small shared helpers: error messages passed back to main, checked allocation, time. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>

/*
 * Modules never print: they fill one of these and return -1. main.c
 * prints it. errnum is the errno behind the failure when a system call
 * gave one (main tells a closed pipe, EPIPE, from a real failure by it),
 * else 0.
 */
struct fz_err {
	char msg[1024];
	int errnum;
};

/* Set the message; errnum becomes 0. */
void fz_seterr(struct fz_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set the message and the errno behind it. */
void fz_seterrno(struct fz_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strdup that returns NULL for NULL. */
char *fz_strdup(const char *s);
/* asprintf into a fresh string; NULL on failure. */
char *fz_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic clock in seconds. */
double fz_now_mono(void);
/* Sleep for a number of seconds, returning early (non-zero) if interrupted by a signal flag. */
int fz_sleep(double seconds);

/* Stem of a path: the file name without directory and without the last extension. */
char *fz_stem(const char *path);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void fz_hex(const unsigned char *in, size_t n, char *out);


/* A growable list of owned strings (warnings returned to main, inputs). */
struct strlist {
	char **v;
	size_t n, cap;
};
int strlist_push(struct strlist *l, const char *s);     /* copies s; 0 or -1 */
int strlist_pushf(struct strlist *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strlist_free(struct strlist *l);

/* A copy of s with invalid UTF-8 bytes replaced by U+FFFD, so any path can go into JSON. */
char *fz_utf8_clean(const char *s);

#endif
