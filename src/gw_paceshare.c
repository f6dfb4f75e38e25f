/* The machine-wide pace file: its name, its one-line format, and claiming a send slot under an fcntl lock. */
#include "gw_paceshare.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PACESHARE_DIR "faiz-idcard"
#define PACESHARE_MAGIC "faiz-idcard-pace 1"
#define PACESHARE_MAX 256 /* bytes of the file read: one short line */

struct paceshare {
	int fd;
};

/* host[:port] of endpoint into out as a file name part; 0 or -1. */
static int
host_part(const char *endpoint, char *out, size_t outlen)
{
	const char *p = endpoint, *end, *at, *port = NULL;
	size_t o = 0;
	int https = 0;

	if (strncmp(p, "https://", 8) == 0) {
		https = 1;
		p += 8;
	} else if (strncmp(p, "http://", 7) == 0) {
		p += 7;
	}
	end = p + strcspn(p, "/?#");
	/* user:password@ is no part of the host (and must not be in a file name). */
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (p == end)
		return -1;
	/* The port follows the last colon outside an IPv6 literal's brackets. */
	for (at = p; at < end; at++)
		if (*at == ':')
			port = at;
		else if (*at == ']')
			port = NULL;
	for (at = p; at < (port ? port : end); at++) {
		unsigned char c = (unsigned char)*at;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-'))
			c = '_';
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	/* http://h and http://h:80 are one gateway. */
	if (port != NULL && port + 1 < end) {
		for (at = port + 1; at < end; at++) {
			if (*at < '0' || *at > '9' || o + 2 >= outlen)
				return -1;
		}
		if (o + 1 + (size_t)(end - port - 1) >= outlen)
			return -1;
		out[o++] = '_';
		memcpy(out + o, port + 1, (size_t)(end - port - 1));
		o += (size_t)(end - port - 1);
	} else {
		if (o + 5 >= outlen)
			return -1;
		memcpy(out + o, https ? "_443" : "_80", https ? 4 : 3);
		o += https ? 4 : 3;
	}
	out[o] = '\0';
	return 0;
}

int
paceshare_path(const char *endpoint, const char *runtime_dir,
    const char *state_home, const char *home, char *out, size_t outlen,
    size_t *base)
{
	const char *slash;
	char host[256];
	int n;

	if (endpoint == NULL || host_part(endpoint, host, sizeof(host)) == -1)
		return -1;
	/* Relative directories are invalid in the XDG specification: ignored. */
	/* The runtime directory is the system's to make; never made here. */
	if (runtime_dir != NULL && runtime_dir[0] == '/') {
		*base = strlen(runtime_dir);
		n = snprintf(out, outlen, "%s/" PACESHARE_DIR "/pace-%s",
		    runtime_dir, host);
	} else if (state_home != NULL && state_home[0] == '/') {
		slash = strrchr(state_home, '/');
		*base = (size_t)(slash - state_home);
		n = snprintf(out, outlen, "%s/" PACESHARE_DIR "/pace-%s",
		    state_home, host);
	} else if (home != NULL && home[0] == '/') {
		*base = strlen(home);
		n = snprintf(out, outlen, "%s/.local/state/" PACESHARE_DIR
		    "/pace-%s", home, host);
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* A finite number from text, advancing *p; 0 or -1. */
static int
take_num(const char **p, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(*p, &end);
	if (end == *p || errno != 0 || v != v || v > 1e12 || v < -1e12)
		return -1;
	*p = end;
	*out = v;
	return 0;
}

void
paceshare_parse(const char *text, size_t len, double now, double max_ahead,
    struct paceshare_state *st)
{
	char buf[PACESHARE_MAX + 1];
	const char *p = buf;
	struct paceshare_state s;

	memset(st, 0, sizeof(*st));
	if (len > PACESHARE_MAX)
		return;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (strncmp(p, PACESHARE_MAGIC " ", sizeof(PACESHARE_MAGIC)) != 0)
		return;
	p += sizeof(PACESHARE_MAGIC);
	if (take_num(&p, &s.slot) == -1 || take_num(&p, &s.floor) == -1 ||
	    take_num(&p, &s.floor_until) == -1 || (*p != '\n' && *p != '\0'))
		return;
	/* Monotonic time restarts at boot: a slot that far ahead is stale. */
	if (s.slot <= now + max_ahead)
		st->slot = s.slot;
	if (s.floor > 0 && s.floor_until > now &&
	    s.floor_until <= now + PACESHARE_FLOOR_TTL) {
		st->floor = s.floor;
		st->floor_until = s.floor_until;
	}
}

int
paceshare_format(const struct paceshare_state *st, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, PACESHARE_MAGIC " %.6f %.6f %.6f\n",
	    st->slot, st->floor, st->floor_until);

	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/*
 * mkdir -p of path's directory below its first base bytes (which must
 * exist), each new level 0700. 0 or -1 with errno.
 */
static int
make_parents(const char *path, size_t base)
{
	char dir[4096];
	struct stat sb;
	size_t i, n = strlen(path);

	if (n >= sizeof(dir) || base > n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n + 1);
	for (i = n; i > 0 && dir[i] != '/'; i--)
		;
	dir[i] = '\0';
	if (base > i)
		base = i;
	/* The base is the system's or the user's: it must be there. */
	dir[base] = '\0';
	if (stat(base > 0 ? dir : "/", &sb) == -1)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (base == i)
		return 0;
	dir[base] = '/';
	for (i = base + 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	return mkdir(dir, 0700) == -1 && errno != EEXIST ? -1 : 0;
}

struct paceshare *
paceshare_open(const char *path, size_t base, struct fz_err *err)
{
	struct paceshare *ps;
	int fd;

	if (make_parents(path, base) == -1) {
		fz_seterrno(err, errno, "%s", path);
		return NULL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		fz_seterrno(err, errno, "%s", path);
		return NULL;
	}
	if ((ps = malloc(sizeof(*ps))) == NULL) {
		close(fd);
		fz_seterr(err, "out of memory");
		return NULL;
	}
	ps->fd = fd;
	return ps;
}

static int
lock(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	/* Held for a read and a write: waiting for it is never long. */
	while (fcntl(fd, F_SETLKW, &fl) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void
read_state(struct paceshare *ps, double now, double max_ahead,
    struct paceshare_state *st)
{
	char buf[PACESHARE_MAX];
	ssize_t n = pread(ps->fd, buf, sizeof(buf), 0);

	paceshare_parse(buf, n > 0 ? (size_t)n : 0, now, max_ahead, st);
}

static void
write_state(struct paceshare *ps, const struct paceshare_state *st)
{
	char buf[PACESHARE_MAX];
	int n = paceshare_format(st, buf, sizeof(buf));

	/* Short and rewritten in place; a reader under the lock never sees half. */
	/* A failed write only leaves the slot as it was: never fatal. */
	if (n > 0 && pwrite(ps->fd, buf, (size_t)n, 0) == n &&
	    ftruncate(ps->fd, n) == -1)
		return;
}

/* A slot further ahead than this cannot come from a run of this boot. */
#define MAX_AHEAD 120.0

int
paceshare_take(struct paceshare *ps, double now, double interval, double *at,
    double *floor)
{
	struct paceshare_state st;
	int took = 1;

	*at = now;
	*floor = 0;
	if (ps == NULL || lock(ps->fd, F_WRLCK) == -1)
		return 1;
	read_state(ps, now, MAX_AHEAD, &st);
	*floor = st.floor;
	if (st.slot > now) {
		*at = st.slot;
		took = 0;
	} else {
		st.slot = now + interval;
		write_state(ps, &st);
	}
	lock(ps->fd, F_UNLCK);
	return took;
}

void
paceshare_refused(struct paceshare *ps, double now, double interval,
    double floor)
{
	struct paceshare_state st;

	if (ps == NULL || lock(ps->fd, F_WRLCK) == -1)
		return;
	read_state(ps, now, MAX_AHEAD, &st);
	if (st.slot < now + interval)
		st.slot = now + interval;
	if (floor > st.floor)
		st.floor = floor;
	st.floor_until = now + PACESHARE_FLOOR_TTL;
	write_state(ps, &st);
	lock(ps->fd, F_UNLCK);
}

void
paceshare_close(struct paceshare *ps)
{
	if (ps == NULL)
		return;
	close(ps->fd);
	free(ps);
}
