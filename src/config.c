/* Credentials and settings: options > environment > config file > defaults. */
#include "config.h"
#include "gw.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char malformed[] =
    "malformed line (expected [section] or key = value)";

/* Overwrite memory that held a secret; volatile so it is not optimised out. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		wipe(s, strlen(s));
		free(s);
	}
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks from both ends of [*b, *e). */
static void
trim(const char **b, const char **e)
{
	while (*b < *e && is_blank(**b))
		(*b)++;
	while (*e > *b && is_blank((*e)[-1]))
		(*e)--;
}

/* Key names are plain words; anything else is not quoted back. */
static int
key_chars(const char *b, const char *e)
{
	for (; b < e; b++)
		if (!((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') ||
		    (*b >= '0' && *b <= '9') || *b == '_' || *b == '-' ||
		    *b == '.'))
			return 0;
	return 1;
}

static int
span_is(const char *b, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - b) == n && memcmp(b, word, n) == 0;
}

/* Replace *slot with a copy of [b, e). */
static int
set_value(char **slot, const char *b, const char *e)
{
	char *s;

	if ((s = strndup(b, (size_t)(e - b))) == NULL)
		return -1;
	free_secret(*slot);
	*slot = s;
	return 0;
}

/*
 * The value in [*b, *e) (already trimmed): in double or single quotes,
 * taken as it is between them, or bare, up to an inline comment (# or ;
 * after a blank, the way people annotate INI files). A comment may follow
 * a closing quote. Returns 0, or -1 for an unclosed quote or text after
 * one.
 */
static int
value_span(const char **b, const char **e)
{
	const char *p, *q;

	if (*b < *e && (**b == '"' || **b == '\'')) {
		for (q = *b + 1; q < *e; q++) {
			if (*q != **b)
				continue;
			for (p = q + 1; p < *e && is_blank(*p); p++)
				continue;
			if (p == *e || *p == '#' || *p == ';') {
				(*b)++;
				*e = q;
				return 0;
			}
		}
		return -1;
	}
	for (p = *b; p < *e; p++)
		if ((*p == '#' || *p == ';') && is_blank(p[-1])) {
			*e = p;
			break;
		}
	trim(b, e);
	return 0;
}

void
config_file_free(struct config_file *f)
{
	free(f->access_key);
	free_secret(f->secret_key);
	free(f->endpoint);
	free(f->engine);
	memset(f, 0, sizeof(*f));
}

int
config_parse(const char *text, size_t len, const char *path,
    const char *profile, struct config_file *out, struct strlist *warnings,
    struct fz_err *err)
{
	const char *p = text, *end = text + len, *nl, *b, *e, *eq, *kb, *ke, *q;
	unsigned long lineno = 0, profile_line = 0;
	int in_section = 0, in_profile = 0;
	char **slot;

	memset(out, 0, sizeof(*out));
	/* Editors on some systems start UTF-8 files with a byte order mark. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = nl != NULL ? nl + 1 : end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		b = p;
		e = nl != NULL ? nl : end;
		if (e > b && e[-1] == '\r')
			e--;
		/* A NUL byte cannot be part of a key or value. */
		if (memchr(b, '\0', (size_t)(e - b)) != NULL)
			goto bad;
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[') {
			/* "[work]  # the office account": a comment may follow. */
			if ((q = memchr(b, ']', (size_t)(e - b))) == NULL)
				goto bad;
			for (kb = q + 1; kb < e && is_blank(*kb); kb++)
				continue;
			if (kb < e && *kb != '#' && *kb != ';')
				goto bad;
			b++;
			e = q;
			trim(&b, &e);
			if (b == e)
				goto bad;
			in_section = 1;
			in_profile = (size_t)(e - b) == strlen(profile) &&
			    memcmp(b, profile, (size_t)(e - b)) == 0;
			if (!in_profile)
				continue;
			/* A second [profile] silently overriding the first misleads. */
			if (out->profile_seen && warnings != NULL &&
			    strlist_pushf(warnings, "%s:%lu: [%s] appears a "
			    "second time (first at line %lu): its keys replace "
			    "those given there", path, lineno, profile,
			    profile_line) == -1)
				goto nomem;
			if (!out->profile_seen)
				profile_line = lineno;
			out->profile_seen = 1;
			continue;
		}
		if ((eq = memchr(b, '=', (size_t)(e - b))) == NULL)
			goto bad;
		kb = b;
		ke = eq;
		trim(&kb, &ke);
		if (kb == ke || !key_chars(kb, ke))
			goto bad;
		b = eq + 1;
		trim(&b, &e);
		/*
		 * A base64 secret pasted on a line of its own ("c2VjcmV0==")
		 * would otherwise pass as an unknown key and be quoted in the
		 * warning: call it malformed instead.
		 */
		for (q = b; q < e && *q == '='; q++)
			continue;
		if (b < e && q == e)
			goto bad;
		if (value_span(&b, &e) == -1)
			goto bad;
		if (!in_section) {
			fz_seterr(err, "%s:%lu: key outside a [section]", path,
			    lineno);
			goto fail;
		}
		if (span_is(kb, ke, "access_key"))
			slot = &out->access_key;
		else if (span_is(kb, ke, "secret_key")) {
			slot = &out->secret_key;
			if (b < e)
				out->has_secret = 1;
		} else if (span_is(kb, ke, "endpoint")) {
			slot = &out->endpoint;
			if (in_profile)
				out->endpoint_line = lineno;
		} else if (span_is(kb, ke, "engine")) {
			slot = &out->engine;
			if (in_profile)
				out->engine_line = lineno;
		} else if (b == e) {
			/*
			 * "c2VjcmV0=": a base64 secret pasted on its own line
			 * reads as an unknown key with no value. Never echo it.
			 */
			if (warnings != NULL && strlist_pushf(warnings,
			    "%s:%lu: unknown key with an empty value, ignored "
			    "(not shown: the line may hold a secret)", path,
			    lineno) == -1)
				goto nomem;
			continue;
		} else {
			if (warnings != NULL && strlist_pushf(warnings,
			    "%s:%lu: unknown key '%.*s'", path, lineno,
			    (int)(ke - kb > 200 ? 200 : ke - kb), kb) == -1)
				goto nomem;
			continue;
		}
		if (in_profile && set_value(slot, b, e) == -1)
			goto nomem;
	}
	return 0;
bad:
	/* The line itself is not quoted: it may hold the secret key. */
	fz_seterr(err, "%s:%lu: %s", path, lineno, malformed);
	goto fail;
nomem:
	fz_seterr(err, "%s: %s", path, strerror(ENOMEM));
fail:
	config_file_free(out);
	return -1;
}

static const char *
sys_getenv(const char *name)
{
	return getenv(name);
}

/* An environment variable, with the empty string counted as unset. */
static const char *
env_get(const char *(*env)(const char *), const char *name)
{
	const char *v = env(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * Read the config file into *text. Returns 1 when read, 0 when a file
 * nobody named does not exist, -1 on error.
 */
static int
read_config(const char *path, int named, char **text, size_t *len,
    mode_t *mode, struct fz_err *err)
{
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t n = 0, cap, ncap;
	ssize_t r;
	int fd;

	/*
	 * No O_NOFOLLOW: dotfile managers link config files into place.
	 * O_NONBLOCK so a FIFO cannot hang us before the S_ISREG check.
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (!named && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		fz_seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		fz_seterr(err, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > CONFIG_MAX_SIZE)
		goto toobig;
	/* The size may change under us: read to EOF, bounded all the same. */
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	for (;;) {
		if (n == cap) {
			if (cap > CONFIG_MAX_SIZE)
				goto toobig;
			ncap = cap > CONFIG_MAX_SIZE / 2 ?
			    CONFIG_MAX_SIZE + 1 : cap * 2;
			if ((nbuf = malloc(ncap)) == NULL)
				goto nomem;
			memcpy(nbuf, buf, n);
			wipe(buf, n);
			free(buf);
			buf = nbuf;
			cap = ncap;
		}
		if ((r = read(fd, buf + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			fz_seterr(err, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*text = buf;
	*len = n;
	*mode = st.st_mode;
	return 1;
toobig:
	fz_seterr(err, "%s: larger than 1 MiB", path);
	goto fail;
nomem:
	fz_seterr(err, "%s: %s", path, strerror(ENOMEM));
fail:
	if (buf != NULL) {
		wipe(buf, n);
		free(buf);
	}
	close(fd);
	return -1;
}

/* The config file path; *path stays NULL when there is none (no HOME). */
static int
config_path(const struct config_in *in, const char *(*env)(const char *),
    char **path, int *named, struct fz_err *err)
{
	const char *v;

	*path = NULL;
	*named = 1;
	if (in->opt_config != NULL) {
		if (*in->opt_config == '\0') {
			fz_seterr(err, "--config: empty file name");
			return -1;
		}
		*path = strdup(in->opt_config);
	} else if ((v = env_get(env, "FAIZ_CONFIG")) != NULL)
		*path = strdup(v);
	else {
		*named = 0;
		/* The XDG base directory spec says to ignore relative paths. */
		if ((v = env_get(env, "XDG_CONFIG_HOME")) != NULL && *v == '/')
			*path = fz_printf("%s/faiz/config", v);
		else if ((v = env_get(env, "HOME")) != NULL)
			*path = fz_printf("%s/.config/faiz/config", v);
		else
			return 0;
	}
	if (*path == NULL) {
		fz_seterr(err, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/*
 * Check an endpoint URL and return a copy without trailing slashes in *out.
 * A URL that already ends in the interface path (copied from the API page)
 * loses it, since the path is added to every request: then 1 is returned.
 * Returns 0 or 1, -1 when it is not an http(s) URL with a host, -2 without
 * memory.
 */
static int
endpoint_check(const char *url, char **out)
{
	const size_t api = strlen(GW_API_PATH);
	int cut = 0;
	const char *p, *a, *host, *q, *c;
	size_t n;

	*out = NULL;
	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return -1;
	for (q = url; *q != '\0'; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return -1;
	/* Authority: [userinfo@]host[:port], up to the path. */
	a = p + strcspn(p, "/?#");
	host = p;
	for (q = p; q < a; q++)
		if (*q == '@')
			host = q + 1;
	if (host < a && *host == '[') {
		if ((c = memchr(host, ']', (size_t)(a - host))) == NULL ||
		    c == host + 1)
			return -1;
		c++;
		if (c < a && *c != ':')
			return -1;
	} else {
		c = host;
		while (c < a && *c != ':')
			c++;
		if (c == host)
			return -1;
	}
	if (c < a) {
		/* A port: one or more digits. */
		if (++c == a)
			return -1;
		for (; c < a; c++)
			if (*c < '0' || *c > '9')
				return -1;
	}
	n = strlen(url);
	while (n > (size_t)(a - url) && url[n - 1] == '/')
		n--;
	if (n >= (size_t)(a - url) + api &&
	    memcmp(url + n - api, GW_API_PATH, api) == 0) {
		n -= api;
		while (n > (size_t)(a - url) && url[n - 1] == '/')
			n--;
		cut = 1;
	}
	if ((*out = strndup(url, n)) == NULL)
		return -2;
	return cut;
}

/* Set the "no credentials" message, naming every place looked at. */
static void
missing_creds(const struct creds *c, const struct config_file *cf,
    int have_access, struct fz_err *err)
{
	const char *what, *vars, *keys, *note;

	if (!have_access && c->secret_key == NULL) {
		what = "no credentials";
		vars = "FAIZ_ACCESS_KEY and FAIZ_SECRET_KEY";
		keys = "access_key and secret_key";
	} else if (!have_access) {
		what = "no access key";
		vars = "FAIZ_ACCESS_KEY";
		keys = "access_key";
	} else {
		what = "no secret key";
		vars = "FAIZ_SECRET_KEY";
		keys = "secret_key";
	}
	if (c->config_path == NULL) {
		fz_seterr(err, "%s: set %s (no config file: HOME is not set)",
		    what, vars);
		return;
	}
	if (!c->config_read)
		note = " (file not found)";
	else if (!cf->profile_seen)
		note = " (no such section)";
	else
		note = "";
	fz_seterr(err, "%s: set %s, or %s in [%s] of %s%s", what, vars, keys,
	    c->profile, c->config_path, note);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

int
config_engine_parse(const char *s, enum config_engine *out)
{
	if (strcmp(s, "auto") == 0)
		*out = ENGINE_AUTO;
	else if (strcmp(s, "faiz") == 0)
		*out = ENGINE_FAIZ;
	else if (strcmp(s, "local") == 0)
		*out = ENGINE_LOCAL;
	else
		return -1;
	return 0;
}

/*
 * The engine asked for: --engine beats $FAIZ_ENGINE beats engine = in the
 * profile; auto when none says. 0, or -1 with err for a word that is none
 * of the three (quoted: it is no secret, and bounded).
 */
static int
engine_choice(const struct config_in *in, const char *(*env)(const char *),
    const struct config_file *cf, const char *path, enum config_engine *out,
    char **from, struct fz_err *err)
{
	const char *v;
	char *src;

	if ((v = in->opt_engine) != NULL)
		src = strdup("--engine");
	else if ((v = env_get(env, "FAIZ_ENGINE")) != NULL)
		src = strdup("FAIZ_ENGINE");
	else if ((v = nonempty(cf->engine)) != NULL)
		src = fz_printf("%s:%lu", path, cf->engine_line);
	else
		src = strdup("the default");
	if (src == NULL) {
		fz_seterr(err, "%s", strerror(ENOMEM));
		return -1;
	}
	*out = ENGINE_AUTO;
	if (v != NULL && config_engine_parse(v, out) == -1) {
		fz_seterr(err, "%s: unknown engine '%.40s' (expected local, "
		    "faiz or auto)", src, v);
		free(src);
		return -1;
	}
	*from = src;
	return 0;
}

int
config_resolve(const struct config_in *in, struct creds *out,
    struct strlist *warnings, struct fz_err *err)
{
	const char *(*env)(const char *) =
	    in->getenv != NULL ? in->getenv : sys_getenv;
	struct config_file cf;
	const char *profile, *ak, *sk, *ep, *envak, *envsk;
	char *text = NULL, *src = NULL;
	size_t len = 0;
	mode_t mode = 0;
	int named_profile, named_config, r, rc = CONFIG_ERR_FILE;

	memset(out, 0, sizeof(*out));
	memset(&cf, 0, sizeof(cf));

	named_profile = 1;
	if ((profile = in->opt_profile) != NULL) {
		if (*profile == '\0') {
			fz_seterr(err, "--profile: empty profile name");
			goto fail;
		}
	} else if ((profile = env_get(env, "FAIZ_PROFILE")) == NULL) {
		profile = "default";
		named_profile = 0;
	}
	if ((out->profile = strdup(profile)) == NULL)
		goto nomem;

	if (config_path(in, env, &out->config_path, &named_config, err) == -1)
		goto fail;
	if (out->config_path != NULL) {
		r = read_config(out->config_path, named_config, &text, &len,
		    &mode, err);
		if (r == -1)
			goto fail;
		out->config_read = r;
	}
	if (out->config_read) {
		r = config_parse(text, len, out->config_path, profile, &cf,
		    warnings, err);
		wipe(text, len);
		free(text);
		if (r == -1)
			goto fail;
		if (cf.has_secret && (mode & 077) != 0 && warnings != NULL &&
		    strlist_pushf(warnings,
		    "%s: readable by group or others; run chmod 600 %s",
		    out->config_path, out->config_path) == -1)
			goto nomem;
	}

	if (named_profile && !cf.profile_seen) {
		rc = CONFIG_ERR_CREDS;
		if (out->config_path == NULL)
			fz_seterr(err, "no profile [%s]: no config file "
			    "(HOME is not set)", profile);
		else if (!out->config_read)
			fz_seterr(err, "%s: no profile [%s] (file not found)",
			    out->config_path, profile);
		else
			fz_seterr(err, "%s: no profile [%s]", out->config_path,
			    profile);
		goto fail;
	}

	/*
	 * Keys: the environment beats the file, except that a profile named on
	 * the command line beats the environment (the user asked for it now).
	 */
	envak = env_get(env, "FAIZ_ACCESS_KEY");
	envsk = env_get(env, "FAIZ_SECRET_KEY");
	if (in->opt_profile != NULL) {
		ak = nonempty(cf.access_key) ? cf.access_key : envak;
		sk = nonempty(cf.secret_key) ? cf.secret_key : envsk;
	} else {
		ak = envak != NULL ? envak : nonempty(cf.access_key);
		sk = envsk != NULL ? envsk : nonempty(cf.secret_key);
	}
	if (engine_choice(in, env, &cf, out->config_path, &out->engine,
	    &out->engine_from, err) == -1)
		goto fail;
	/*
	 * auto runs the local engine when no key is configured at all; one
	 * key without the other is a mistake to report, not a reason to
	 * switch engines behind the user's back.
	 */
	if (out->engine == ENGINE_AUTO && ak == NULL && sk == NULL) {
		free(out->engine_from);
		if ((out->engine_from = strdup("no credentials")) == NULL)
			goto nomem;
		out->engine = ENGINE_LOCAL;
	}
	if (out->engine == ENGINE_LOCAL) {
		config_file_free(&cf);
		return CONFIG_OK;
	}
	out->engine = ENGINE_FAIZ;
	if ((ak != NULL && (out->access_key = strdup(ak)) == NULL) ||
	    (sk != NULL && (out->secret_key = strdup(sk)) == NULL))
		goto nomem;
	if (ak == NULL || sk == NULL) {
		missing_creds(out, &cf, ak != NULL, err);
		rc = CONFIG_ERR_CREDS;
		goto fail;
	}

	/* The endpoint does not follow the --profile exception. */
	if ((ep = in->opt_endpoint) != NULL)
		src = strdup("--endpoint");
	else if ((ep = env_get(env, "FAIZ_ENDPOINT")) != NULL)
		src = strdup("FAIZ_ENDPOINT");
	else if ((ep = nonempty(cf.endpoint)) != NULL)
		src = fz_printf("%s:%lu", out->config_path, cf.endpoint_line);
	else
		src = strdup("the built-in default");
	if (src == NULL)
		goto nomem;
	if (ep == NULL)
		ep = CONFIG_DEFAULT_ENDPOINT;
	if ((r = endpoint_check(ep, &out->endpoint)) == -2)
		goto nomem;
	if (r == -1) {
		fz_seterr(err, "%s: endpoint '%s' is not an http:// or https:// "
		    "URL", src, ep);
		goto fail;
	}
	/* Not quoted: the URL may carry a user name and password. */
	if (r == 1 && warnings != NULL && strlist_pushf(warnings, "%s: the "
	    "endpoint ends in " GW_API_PATH ", which faiz-idcard adds to "
	    "every request itself: give only the scheme and host", src) == -1)
		goto nomem;
	free(src);
	config_file_free(&cf);
	return CONFIG_OK;
nomem:
	fz_seterr(err, "%s", strerror(ENOMEM));
	rc = CONFIG_ERR_FILE;
fail:
	free(src);
	config_file_free(&cf);
	config_free(out);
	return rc;
}

void
config_free(struct creds *c)
{
	free(c->access_key);
	free_secret(c->secret_key);
	free(c->endpoint);
	free(c->engine_from);
	free(c->profile);
	free(c->config_path);
	memset(c, 0, sizeof(*c));
}
