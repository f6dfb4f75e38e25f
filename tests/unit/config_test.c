/* Unit tests for config.c: INI parsing, precedence, messages, file checks. */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

#define SECRET "S3cr3t+Value/xyz=="

static char tmpdir[] = "/tmp/config_test.XXXXXX";

/* The fake environment: name, value pairs, NULL-terminated. */
static const char *const *fake_env;

static const char *
fake_getenv(const char *name)
{
	size_t i;

	for (i = 0; fake_env != NULL && fake_env[i] != NULL; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

/* Write text to a fresh file in tmpdir with mode; returns its path (owned). */
static char *
write_tmp(const char *text, mode_t mode)
{
	char *path = fz_printf("%s/cfg.XXXXXX", tmpdir);
	size_t len = strlen(text);
	int fd;

	if (path == NULL || (fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(1);
	}
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) == -1) {
		perror("write");
		exit(1);
	}
	close(fd);
	return path;
}

/* Write text to tmpdir/sub/faiz/config (the default path under sub). */
static char *
write_default(const char *sub, const char *text)
{
	char *d1 = fz_printf("%s/%s", tmpdir, sub);
	char *d2 = fz_printf("%s/%s/faiz", tmpdir, sub);
	char *path = fz_printf("%s/%s/faiz/config", tmpdir, sub);
	FILE *f;

	mkdir(d1, 0700);
	mkdir(d2, 0700);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	free(d1);
	free(d2);
	return path;
}

static int
parse(const char *text, const char *profile, struct config_file *cf,
    struct strlist *w, struct fz_err *err)
{
	return config_parse(text, strlen(text), "f", profile, cf, w, err);
}

/* The --engine the next resolve passes: the credential tests ask for faiz. */
static const char *opt_engine = "faiz";

/* Resolve with the given options and fake environment. */
static int
resolve(const char *prof, const char *ep, const char *cfg,
    const char *const *env, struct creds *c, struct strlist *w,
    struct fz_err *err)
{
	struct config_in in;

	in.opt_profile = prof;
	in.opt_endpoint = ep;
	in.opt_engine = opt_engine;
	in.opt_config = cfg;
	in.getenv = fake_getenv;
	fake_env = env;
	memset(err, 0, sizeof(*err));
	return config_resolve(&in, c, w, err);
}

static void
test_parse(void)
{
	struct config_file cf;
	struct strlist w = { 0 };
	struct fz_err err = { "", 0 };
	const char *text =
	    "# a comment\n"
	    "; another\n"
	    "\n"
	    "[other]\n"
	    "access_key = other-ak\n"
	    "secret_key = other-sk\n"
	    "  [  default  ]  \n"
	    "\taccess_key\t=\t  ak1  \n"
	    "secret_key = \"  quoted = sk  \"\n"
	    "endpoint=https://h.example/\n"
	    "access_key = ak2\n";

	CHECK(parse(text, "default", &cf, &w, &err) == 0);
	CHECK_STR(cf.access_key, "ak2");
	CHECK_STR(cf.secret_key, "  quoted = sk  ");
	CHECK_STR(cf.endpoint, "https://h.example/");
	CHECK(cf.endpoint_line == 10);
	CHECK(cf.profile_seen == 1);
	CHECK(cf.has_secret == 1);
	CHECK(w.n == 0);
	config_file_free(&cf);

	CHECK(parse(text, "other", &cf, &w, &err) == 0);
	CHECK_STR(cf.access_key, "other-ak");
	CHECK(cf.endpoint == NULL);
	config_file_free(&cf);

	CHECK(parse(text, "nope", &cf, &w, &err) == 0);
	CHECK(cf.profile_seen == 0);
	CHECK(cf.access_key == NULL);
	CHECK(cf.has_secret == 1);
	config_file_free(&cf);

	/* CRLF, a BOM, no final newline, an empty value, a repeated section. */
	CHECK(parse("\xef\xbb\xbf[default]\r\naccess_key = a\r\n"
	    "secret_key =\r\n[x]\r\n[default]\r\nendpoint = \"\"", "default",
	    &cf, &w, &err) == 0);
	CHECK_STR(cf.access_key, "a");
	CHECK_STR(cf.secret_key, "");
	CHECK_STR(cf.endpoint, "");
	CHECK(cf.has_secret == 0);
	config_file_free(&cf);
	/* The repeated [default] is named, with the line of the first. */
	CHECK(w.n == 1);
	if (w.n == 1)
		CHECK_STR(w.v[0], "f:5: [default] appears a second time (first "
		    "at line 1): its keys replace those given there");
	strlist_free(&w);

	/* Section names are case-sensitive; a file of nothing is fine. */
	CHECK(parse("[Default]\naccess_key = a\n", "default", &cf, &w,
	    &err) == 0);
	CHECK(cf.profile_seen == 0);
	config_file_free(&cf);
	CHECK(parse("", "default", &cf, &w, &err) == 0);
	CHECK(config_parse("\xef\xbb\xbf", 3, "f", "default", &cf, &w,
	    &err) == 0);
	config_file_free(&cf);
	CHECK(w.n == 0);
	strlist_free(&w);
}

/* Issue F.19: what people write in INI files, taken as they mean it. */
static void
test_parse_pitfalls(void)
{
	struct config_file cf;
	struct strlist w = { 0 };
	struct fz_err err = { "", 0 };

	/* Inline comments after a value, a quoted value and a section. */
	CHECK(parse("[default]  # main account\n"
	    "access_key = ak1   # from the console\n"
	    "secret_key = sk1 ; rotated in May\n"
	    "endpoint = \"http://h.example\"  # gateway\n", "default", &cf,
	    &w, &err) == 0);
	CHECK_STR(cf.access_key, "ak1");
	CHECK_STR(cf.secret_key, "sk1");
	CHECK_STR(cf.endpoint, "http://h.example");
	config_file_free(&cf);
	/* A # inside a word, or inside quotes, is part of the value. */
	CHECK(parse("[default]\naccess_key = a#b\nsecret_key = \"s # t\"\n",
	    "default", &cf, &w, &err) == 0);
	CHECK_STR(cf.access_key, "a#b");
	CHECK_STR(cf.secret_key, "s # t");
	config_file_free(&cf);
	/* Single quotes are quotes too. */
	CHECK(parse("[default]\naccess_key = 'ak'\nsecret_key='  s=k '\n",
	    "default", &cf, &w, &err) == 0);
	CHECK_STR(cf.access_key, "ak");
	CHECK_STR(cf.secret_key, "  s=k ");
	config_file_free(&cf);
	CHECK(w.n == 0);
	/* A line ending in a single '=' is never echoed. */
	CHECK(parse("[default]\nc2VjcmV0=\naccess_key = a\n", "default",
	    &cf, &w, &err) == 0);
	CHECK(w.n == 1);
	if (w.n == 1) {
		CHECK(strstr(w.v[0], "c2VjcmV0") == NULL);
		CHECK_STR(w.v[0], "f:2: unknown key with an empty value, "
		    "ignored (not shown: the line may hold a secret)");
	}
	config_file_free(&cf);
	strlist_free(&w);
	/* A repeated section of another profile says nothing. */
	CHECK(parse("[a]\n[default]\n[a]\n", "default", &cf, &w, &err) == 0);
	CHECK(w.n == 0);
	config_file_free(&cf);
}

static void
test_parse_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} t[] = {
		{ "[default]\naccess_key = a\njunk\n",
		  "f:3: malformed line (expected [section] or key = value)" },
		{ "[]\n",
		  "f:1: malformed line (expected [section] or key = value)" },
		{ "[  ]\n",
		  "f:1: malformed line (expected [section] or key = value)" },
		{ "\n[default\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default] x\n",
		  "f:1: malformed line (expected [section] or key = value)" },
		{ "[default]\nsecret_key = 'abc\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default]\nsecret_key = \"abc\" x\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default]\n = v\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default]\r\nsecret_key = \"abc\r\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default]\nsecret_key = \"\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "\xef\xbb\xbf# c\naccess_key = a\n[default]\n",
		  "f:2: key outside a [section]" },
		{ "access_key = a\n", "f:1: key outside a [section]" },
		{ "[default]\nabcDEF123==\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default]\nabc DEF = 1\n",
		  "f:2: malformed line (expected [section] or key = value)" },
		{ "[default]\nk\xc3\xa9y = 1\n",
		  "f:2: malformed line (expected [section] or key = value)" },
	};
	struct config_file cf;
	struct strlist w = { 0 };
	struct fz_err err;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&err, 0, sizeof(err));
		CHECK(parse(t[i].text, "default", &cf, &w, &err) == -1);
		CHECK_STR(err.msg, t[i].msg);
		CHECK(cf.access_key == NULL && cf.secret_key == NULL);
	}
	/* A NUL byte in a line. */
	CHECK(config_parse("[default]\nac\0cess_key = a\n", 24, "f",
	    "default", &cf, &w, &err) == -1);
	CHECK_STR(err.msg,
	    "f:2: malformed line (expected [section] or key = value)");
	/* The line is never quoted in the message: it may hold the secret. */
	CHECK(parse("[default]\n" SECRET "\n", "default", &cf, &w, &err) == -1);
	CHECK(strstr(err.msg, SECRET) == NULL);

	/* Unknown keys warn and are ignored, in any section. */
	memset(&err, 0, sizeof(err));
	CHECK(parse("[a]\ncolour = red\n[default]\naccess_key = a\n"
	    "Access_Key = b\n", "default", &cf, &w, &err) == 0);
	CHECK_STR(cf.access_key, "a");
	CHECK(w.n == 2);
	if (w.n == 2) {
		CHECK_STR(w.v[0], "f:2: unknown key 'colour'");
		CHECK_STR(w.v[1], "f:5: unknown key 'Access_Key'");
	}
	config_file_free(&cf);
	strlist_free(&w);
}

static void
test_precedence(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *path = write_tmp("[default]\n"
	    "access_key = file-ak\nsecret_key = file-sk\n"
	    "endpoint = http://file.example//\n"
	    "[work]\naccess_key = work-ak\nsecret_key = work-sk\n"
	    "endpoint = https://work.example\n", 0600);
	const char *const env_all[] = {
		"FAIZ_ACCESS_KEY", "env-ak", "FAIZ_SECRET_KEY", "env-sk",
		"FAIZ_ENDPOINT", "http://env.example/", NULL
	};
	const char *const env_empty[] = {
		"FAIZ_ACCESS_KEY", "", "FAIZ_SECRET_KEY", "",
		"FAIZ_ENDPOINT", "", "FAIZ_PROFILE", "", NULL
	};
	const char *const env_ak[] = { "FAIZ_ACCESS_KEY", "env-ak", NULL };
	const char *const env_prof[] = {
		"FAIZ_PROFILE", "work", "FAIZ_ACCESS_KEY", "env-ak", NULL
	};
	const char *const *env_cfg;

	/* File only. */
	CHECK(resolve(NULL, NULL, path, NULL, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.access_key, "file-ak");
	CHECK_STR(c.secret_key, "file-sk");
	CHECK_STR(c.endpoint, "http://file.example");
	CHECK_STR(c.profile, "default");
	CHECK_STR(c.config_path, path);
	CHECK(c.config_read == 1);
	config_free(&c);

	/* Environment beats the file, each setting on its own. */
	CHECK(resolve(NULL, NULL, path, env_all, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.access_key, "env-ak");
	CHECK_STR(c.secret_key, "env-sk");
	CHECK_STR(c.endpoint, "http://env.example");
	config_free(&c);
	CHECK(resolve(NULL, NULL, path, env_ak, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.access_key, "env-ak");
	CHECK_STR(c.secret_key, "file-sk");
	CHECK_STR(c.endpoint, "http://file.example");
	config_free(&c);

	/* Empty variables count as unset. */
	CHECK(resolve(NULL, NULL, path, env_empty, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.access_key, "file-ak");
	CHECK_STR(c.profile, "default");
	CHECK_STR(c.endpoint, "http://file.example");
	config_free(&c);

	/* The option beats the environment for the endpoint. */
	CHECK(resolve(NULL, "HTTPS://Opt.Example:8443/v1/", path, env_all, &c,
	    &w, &err) == CONFIG_OK);
	CHECK_STR(c.endpoint, "HTTPS://Opt.Example:8443/v1");
	config_free(&c);

	/* --profile: that profile's keys beat the environment's... */
	CHECK(resolve("work", NULL, path, env_all, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.access_key, "work-ak");
	CHECK_STR(c.secret_key, "work-sk");
	CHECK_STR(c.profile, "work");
	/* ...but not FAIZ_ENDPOINT: the exception is for the keys only. */
	CHECK_STR(c.endpoint, "http://env.example");
	config_free(&c);
	CHECK(resolve("work", NULL, path, NULL, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.endpoint, "https://work.example");
	config_free(&c);

	/* FAIZ_PROFILE selects the section; env keys still win over it. */
	CHECK(resolve(NULL, NULL, path, env_prof, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.profile, "work");
	CHECK_STR(c.access_key, "env-ak");
	CHECK_STR(c.secret_key, "work-sk");
	config_free(&c);
	/* --profile beats FAIZ_PROFILE. */
	CHECK(resolve("default", NULL, path, env_prof, &c, &w, &err) ==
	    CONFIG_OK);
	CHECK_STR(c.profile, "default");
	CHECK_STR(c.access_key, "file-ak");
	config_free(&c);

	/* FAIZ_CONFIG names the file; --config beats it. */
	{
		const char *const e[] = { "FAIZ_CONFIG", path, NULL };
		env_cfg = e;
		CHECK(resolve(NULL, NULL, NULL, env_cfg, &c, &w, &err) ==
		    CONFIG_OK);
		CHECK_STR(c.config_path, path);
		CHECK_STR(c.access_key, "file-ak");
		config_free(&c);
		CHECK(resolve(NULL, NULL, "/nonexistent/x", env_cfg, &c, &w,
		    &err) == CONFIG_ERR_FILE);
		CHECK_STR(err.msg, "/nonexistent/x: No such file or directory");
	}

	/* Only the environment, and the built-in endpoint. */
	{
		const char *const e[] = {
			"HOME", "/nonexistent", "FAIZ_ACCESS_KEY", "a",
			"FAIZ_SECRET_KEY", "s", NULL
		};
		CHECK(resolve(NULL, NULL, NULL, e, &c, &w, &err) == CONFIG_OK);
		CHECK_STR(c.endpoint, CONFIG_DEFAULT_ENDPOINT);
		CHECK_STR(c.config_path, "/nonexistent/.config/faiz/config");
		CHECK(c.config_read == 0);
		config_free(&c);
	}
	CHECK(w.n == 0);
	strlist_free(&w);
	unlink(path);
	free(path);
}

static void
test_default_path(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *home = fz_printf("%s/home", tmpdir);
	char *xdg = fz_printf("%s/xdg", tmpdir);
	char *hp = fz_printf("%s/home/.config", tmpdir);
	char *p1, *p2;
	const char *const e_home[] = { "HOME", home, NULL };
	const char *const e_xdg[] = {
		"HOME", home, "XDG_CONFIG_HOME", xdg, NULL
	};
	const char *const e_rel[] = {
		"HOME", home, "XDG_CONFIG_HOME", "rel/dir", NULL
	};
	const char *const e_none[] = { "FAIZ_PROFILE", "x", NULL };

	mkdir(home, 0700);
	p1 = write_default("home/.config",
	    "[default]\naccess_key = home-ak\nsecret_key = home-sk\n");
	p2 = write_default("xdg",
	    "[default]\naccess_key = xdg-ak\nsecret_key = xdg-sk\n");

	CHECK(resolve(NULL, NULL, NULL, e_home, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.config_path, p1);
	CHECK_STR(c.access_key, "home-ak");
	config_free(&c);
	CHECK(resolve(NULL, NULL, NULL, e_xdg, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.config_path, p2);
	CHECK_STR(c.access_key, "xdg-ak");
	config_free(&c);
	/* A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
	CHECK(resolve(NULL, NULL, NULL, e_rel, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.config_path, p1);
	config_free(&c);

	/* No HOME at all: no config file, and the messages say so. */
	CHECK(resolve(NULL, NULL, NULL, NULL, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, "no credentials: set FAIZ_ACCESS_KEY and "
	    "FAIZ_SECRET_KEY (no config file: HOME is not set)");
	CHECK(c.config_path == NULL && c.profile == NULL);
	CHECK(resolve(NULL, NULL, NULL, e_none, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, "no profile [x]: no config file (HOME is not set)");

	CHECK(w.n == 0);
	strlist_free(&w);
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
	free(home);
	free(xdg);
	free(hp);
}

static void
test_missing(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *msg;
	char *path = write_tmp("[default]\naccess_key = ak\n"
	    "[empty]\naccess_key =\nsecret_key = \"\"\n", 0600);
	const char *const e_home[] = { "HOME", "/home/u", NULL };
	const char *const e_sk[] = {
		"HOME", "/home/u", "FAIZ_SECRET_KEY", SECRET, NULL
	};
	const char *const e_prof[] = { "FAIZ_PROFILE", "nope", NULL };

	CHECK(resolve(NULL, NULL, NULL, e_home, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, "no credentials: set FAIZ_ACCESS_KEY and "
	    "FAIZ_SECRET_KEY, or access_key and secret_key in [default] of "
	    "/home/u/.config/faiz/config (file not found)");
	CHECK(resolve(NULL, NULL, NULL, e_sk, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, "no access key: set FAIZ_ACCESS_KEY, or access_key "
	    "in [default] of /home/u/.config/faiz/config (file not found)");
	CHECK(c.secret_key == NULL && c.access_key == NULL);

	msg = fz_printf("no secret key: set FAIZ_SECRET_KEY, or secret_key in "
	    "[default] of %s", path);
	CHECK(resolve(NULL, NULL, path, NULL, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, msg);
	free(msg);

	/* Empty values count as missing. */
	msg = fz_printf("no credentials: set FAIZ_ACCESS_KEY and "
	    "FAIZ_SECRET_KEY, or access_key and secret_key in [empty] of %s",
	    path);
	CHECK(resolve("empty", NULL, path, NULL, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, msg);
	free(msg);

	/* --profile falls back to the environment for an empty key. */
	{
		const char *const e[] = {
			"FAIZ_ACCESS_KEY", "a", "FAIZ_SECRET_KEY", "s", NULL
		};
		CHECK(resolve("empty", NULL, path, e, &c, &w, &err) ==
		    CONFIG_OK);
		CHECK_STR(c.access_key, "a");
		CHECK_STR(c.secret_key, "s");
		config_free(&c);
	}

	/* The default profile missing from an existing file is no error. */
	{
		char *p2 = write_tmp("[work]\naccess_key = w\n", 0600);

		msg = fz_printf("no credentials: set FAIZ_ACCESS_KEY and "
		    "FAIZ_SECRET_KEY, or access_key and secret_key in "
		    "[default] of %s (no such section)", p2);
		CHECK(resolve(NULL, NULL, p2, NULL, &c, &w, &err) ==
		    CONFIG_ERR_CREDS);
		CHECK_STR(err.msg, msg);
		free(msg);
		unlink(p2);
		free(p2);
	}

	/* A named profile that is not in the file. */
	msg = fz_printf("%s: no profile [nope]", path);
	CHECK(resolve("nope", NULL, path, NULL, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, msg);
	CHECK(resolve(NULL, NULL, path, e_prof, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, msg);
	free(msg);
	/* ...or when the default file does not exist. */
	CHECK(resolve("work", NULL, NULL, e_home, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK_STR(err.msg, "/home/u/.config/faiz/config: no profile [work] "
	    "(file not found)");

	CHECK(w.n == 0);
	strlist_free(&w);
	unlink(path);
	free(path);
}

static void
test_file_errors(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *msg, *big, *path, *sub;
	const char *const e_cfg[] = { "FAIZ_CONFIG", "/no/such/cfg", NULL };
	size_t n = CONFIG_MAX_SIZE + 1;

	CHECK(resolve(NULL, NULL, "/no/such/cfg", NULL, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "/no/such/cfg: No such file or directory");
	CHECK(resolve(NULL, NULL, NULL, e_cfg, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "/no/such/cfg: No such file or directory");
	CHECK(resolve(NULL, NULL, "", NULL, &c, &w, &err) == CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "--config: empty file name");
	CHECK(resolve("", NULL, NULL, NULL, &c, &w, &err) == CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "--profile: empty profile name");

	/* A directory is not a config file. */
	msg = fz_printf("%s: not a regular file", tmpdir);
	CHECK(resolve(NULL, NULL, tmpdir, NULL, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, msg);
	free(msg);

	/* Larger than 1 MiB. */
	if ((big = malloc(n + 1)) == NULL)
		exit(1);
	memset(big, '#', n);
	big[n] = '\0';
	path = write_tmp(big, 0600);
	msg = fz_printf("%s: larger than 1 MiB", path);
	CHECK(resolve(NULL, NULL, path, NULL, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, msg);
	free(msg);
	unlink(path);
	free(path);
	/* Exactly 1 MiB of comments is fine (and holds no credentials). */
	big[n - 1] = '\0';
	path = write_tmp(big, 0600);
	CHECK(resolve(NULL, NULL, path, NULL, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	unlink(path);
	free(path);
	free(big);

	/* A parse error comes back with the file's name and line. */
	path = write_tmp("[default]\nsecret_key = " SECRET "\nbad line\n",
	    0600);
	msg = fz_printf("%s:3: malformed line (expected [section] or key = "
	    "value)", path);
	CHECK(resolve(NULL, NULL, path, NULL, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, msg);
	free(msg);
	unlink(path);
	free(path);

	/* A symlinked config is followed (dotfile managers). */
	path = write_tmp("[default]\naccess_key = a\nsecret_key = s\n", 0600);
	sub = fz_printf("%s/link", tmpdir);
	CHECK(symlink(path, sub) == 0);
	CHECK(resolve(NULL, NULL, sub, NULL, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.access_key, "a");
	config_free(&c);
	unlink(sub);
	unlink(path);
	free(sub);
	free(path);

	CHECK(w.n == 0);
	strlist_free(&w);
}

static void
test_permissions(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *msg;
	char *p644 = write_tmp("[other]\nsecret_key = x\n[default]\n"
	    "access_key = a\n", 0644);
	char *p600 = write_tmp("[default]\naccess_key = a\n"
	    "secret_key = s\n", 0600);
	char *pnos = write_tmp("[default]\naccess_key = a\n", 0644);
	char *p640 = write_tmp("[default]\naccess_key = a\nsecret_key = s\n"
	    "[x]\nfoo = 1\n", 0640);
	const char *const e[] = { "FAIZ_SECRET_KEY", "s", NULL };

	/* The secret in any section counts, even one not used. */
	msg = fz_printf("%s: readable by group or others; run chmod 600 %s",
	    p644, p644);
	CHECK(resolve(NULL, NULL, p644, e, &c, &w, &err) == CONFIG_OK);
	CHECK(w.n == 1);
	if (w.n == 1)
		CHECK_STR(w.v[0], msg);
	config_free(&c);
	strlist_free(&w);
	free(msg);

	CHECK(resolve(NULL, NULL, p600, NULL, &c, &w, &err) == CONFIG_OK);
	CHECK(w.n == 0);
	config_free(&c);
	CHECK(resolve(NULL, NULL, pnos, e, &c, &w, &err) == CONFIG_OK);
	CHECK(w.n == 0);
	config_free(&c);

	/* Warnings gather: the unknown key, then the mode. */
	CHECK(resolve(NULL, NULL, p640, NULL, &c, &w, &err) == CONFIG_OK);
	CHECK(w.n == 2);
	if (w.n == 2) {
		msg = fz_printf("%s:5: unknown key 'foo'", p640);
		CHECK_STR(w.v[0], msg);
		free(msg);
		msg = fz_printf("%s: readable by group or others; run chmod "
		    "600 %s", p640, p640);
		CHECK_STR(w.v[1], msg);
		free(msg);
	}
	config_free(&c);
	strlist_free(&w);
	/* A NULL warnings list is allowed. */
	CHECK(resolve(NULL, NULL, p640, NULL, &c, NULL, &err) == CONFIG_OK);
	config_free(&c);

	unlink(p644);
	unlink(p600);
	unlink(pnos);
	unlink(p640);
	free(p644);
	free(p600);
	free(pnos);
	free(p640);
}

static void
test_endpoint(void)
{
	static const char *const bad[] = {
		"", "api.example", "ftp://h", "http://", "https:///x",
		"http://:80", "http://h:", "http://h:8x/", "http://u@/",
		"http://[]/", "http://[::1", "http://h x", "http://h/\t",
		"http//h",
	};
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "http://h", "http://h" },
		{ "http://h/", "http://h" },
		{ "https://h.example///", "https://h.example" },
		{ "hTTps://H:443/base/", "hTTps://H:443/base" },
		{ "http://u:p@h/", "http://u:p@h" },
		{ "http://[::1]:8080/", "http://[::1]:8080" },
		{ "http://127.0.0.1:9/a//", "http://127.0.0.1:9/a" },
	};
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *msg, *path;
	const char *const e_keys[] = {
		"FAIZ_ACCESS_KEY", "a", "FAIZ_SECRET_KEY", SECRET, NULL
	};
	const char *const e_ep[] = {
		"FAIZ_ACCESS_KEY", "a", "FAIZ_SECRET_KEY", SECRET,
		"FAIZ_ENDPOINT", "gateway.example", NULL
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = fz_printf("--endpoint: endpoint '%s' is not an http:// "
		    "or https:// URL", bad[i]);
		CHECK(resolve(NULL, bad[i], NULL, e_keys, &c, &w,
		    &err) == CONFIG_ERR_FILE);
		CHECK_STR(err.msg, msg);
		CHECK(c.access_key == NULL && c.endpoint == NULL);
		free(msg);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(resolve(NULL, good[i].in, NULL, e_keys, &c, &w,
		    &err) == CONFIG_OK);
		CHECK_STR(c.endpoint, good[i].out);
		config_free(&c);
	}
	CHECK(resolve(NULL, NULL, "/dev/null", e_ep, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "/dev/null: not a regular file");
	CHECK(resolve(NULL, NULL, NULL, e_ep, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "FAIZ_ENDPOINT: endpoint 'gateway.example' is not "
	    "an http:// or https:// URL");

	path = write_tmp("[default]\n\nendpoint = api.example\n", 0600);
	CHECK(resolve(NULL, NULL, path, e_ep, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "FAIZ_ENDPOINT: endpoint 'gateway.example' is not "
	    "an http:// or https:// URL");
	msg = fz_printf("%s:3: endpoint 'api.example' is not an http:// or "
	    "https:// URL", path);
	CHECK(resolve(NULL, NULL, path, e_keys, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, msg);
	free(msg);
	/* A bad endpoint that is overridden does not matter. */
	CHECK(resolve(NULL, "http://ok/", path, e_keys, &c, &w, &err) ==
	    CONFIG_OK);
	CHECK_STR(c.endpoint, "http://ok");
	config_free(&c);
	unlink(path);
	free(path);
	CHECK(w.n == 0);
	strlist_free(&w);

	/* An endpoint copied with the interface path loses it, with a word. */
	CHECK(resolve(NULL, "http://u:pw@h.example:8/api/ai/ocr/idcard/", NULL,
	    e_keys, &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.endpoint, "http://u:pw@h.example:8");
	CHECK(w.n == 1);
	if (w.n == 1) {
		CHECK_STR(w.v[0], "--endpoint: the endpoint ends in "
		    "/api/ai/ocr/idcard, which faiz-idcard adds to every "
		    "request itself: give only the scheme and host");
		CHECK(strstr(w.v[0], "pw") == NULL);
	}
	config_free(&c);
	strlist_free(&w);
	CHECK(resolve(NULL, "https://h/base/api/ai/ocr/idcard", NULL, e_keys,
	    &c, &w, &err) == CONFIG_OK);
	CHECK_STR(c.endpoint, "https://h/base");
	config_free(&c);
	strlist_free(&w);
	/* Only the whole path at the end: a host of that name is a host. */
	CHECK(resolve(NULL, "https://h/api/ai/ocr", NULL, e_keys, &c, &w,
	    &err) == CONFIG_OK);
	CHECK_STR(c.endpoint, "https://h/api/ai/ocr");
	CHECK(w.n == 0);
	config_free(&c);
}

/* Every error and warning path, run with a known secret: it never shows. */
static void
test_secret_hidden(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	char *p1 = write_tmp("[default]\nsecret_key = \"" SECRET "\"\n"
	    "colour = " SECRET "\n", 0666);
	char *p2 = write_tmp("[default]\nsecret_key = " SECRET "\n"
	    SECRET "\n", 0666);
	char *p3 = write_tmp("secret_key = " SECRET "\n", 0666);
	char *p4 = write_tmp("[default]\nsecret_key = " SECRET "\n"
	    "endpoint = nope\n", 0666);
	const char *const e_sk[] = { "FAIZ_SECRET_KEY", SECRET, NULL };
	const char *const e_all[] = {
		"FAIZ_SECRET_KEY", SECRET, "FAIZ_ACCESS_KEY", "a",
		"FAIZ_ENDPOINT", "bad", NULL
	};
	const struct {
		const char *prof, *ep, *cfg;
		const char *const *env;
		int rc;
	} t[] = {
		{ NULL, NULL, p1, NULL, CONFIG_ERR_CREDS },
		{ NULL, NULL, p2, NULL, CONFIG_ERR_FILE },
		{ NULL, NULL, p3, NULL, CONFIG_ERR_FILE },
		{ NULL, NULL, p4, e_sk, CONFIG_ERR_CREDS },
		{ NULL, NULL, p4, e_all, CONFIG_ERR_FILE },
		{ "nope", NULL, p1, e_sk, CONFIG_ERR_CREDS },
		{ NULL, "bad", p1, e_all, CONFIG_ERR_FILE },
		{ NULL, NULL, "/no/such", e_sk, CONFIG_ERR_FILE },
	};
	size_t i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(resolve(t[i].prof, t[i].ep, t[i].cfg, t[i].env, &c, &w,
		    &err) == t[i].rc);
		CHECK(err.msg[0] != '\0');
		CHECK(strstr(err.msg, SECRET) == NULL);
		CHECK(c.secret_key == NULL);
	}
	CHECK(w.n > 0);
	for (j = 0; j < w.n; j++)
		CHECK(strstr(w.v[j], SECRET) == NULL);
	strlist_free(&w);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	unlink(p4);
	free(p1);
	free(p2);
	free(p3);
	free(p4);
}

static void
test_free(void)
{
	struct creds c;

	memset(&c, 0, sizeof(c));
	config_free(&c);
	config_free(&c);
	CHECK(c.access_key == NULL && c.config_path == NULL);
}

/*
 * The engine: --engine > FAIZ_ENGINE > engine = in the profile > auto;
 * auto is faiz with both keys, local with neither, an error with one.
 */
static void
test_engine(void)
{
	struct creds c;
	struct strlist w = { 0 };
	struct fz_err err;
	enum config_engine e;
	char *path = write_tmp("[default]\nengine = local\n[keys]\n"
	    "access_key = a\nsecret_key = s\n[half]\naccess_key = a\n"
	    "[bad]\nengine = cloud\n", 0600);
	const char *none[] = { NULL };
	const char *keys[] = { "FAIZ_ACCESS_KEY", "a", "FAIZ_SECRET_KEY", "s",
		NULL };
	const char *env_faiz[] = { "FAIZ_ENGINE", "faiz", NULL };
	const char *env_bad[] = { "FAIZ_ENGINE", "ocr", NULL };

	CHECK(config_engine_parse("auto", &e) == 0 && e == ENGINE_AUTO);
	CHECK(config_engine_parse("faiz", &e) == 0 && e == ENGINE_FAIZ);
	CHECK(config_engine_parse("local", &e) == 0 && e == ENGINE_LOCAL);
	CHECK(config_engine_parse("Local", &e) == -1);
	CHECK(config_engine_parse("", &e) == -1);

	/* auto: no keys anywhere runs local, with no keys in the result. */
	opt_engine = NULL;
	CHECK(resolve(NULL, NULL, NULL, none, &c, &w, &err) == CONFIG_OK);
	CHECK(c.engine == ENGINE_LOCAL && c.access_key == NULL);
	CHECK_STR(c.engine_from, "no credentials");
	config_free(&c);
	/* auto with both keys: faiz. */
	CHECK(resolve(NULL, NULL, NULL, keys, &c, &w, &err) == CONFIG_OK);
	CHECK(c.engine == ENGINE_FAIZ && c.access_key != NULL);
	config_free(&c);
	/* The profile's engine = local wins over auto, even with keys set. */
	CHECK(resolve(NULL, NULL, path, keys, &c, &w, &err) == CONFIG_OK);
	CHECK(c.engine == ENGINE_LOCAL);
	config_free(&c);
	/* FAIZ_ENGINE beats the file... */
	CHECK(resolve(NULL, NULL, path, env_faiz, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK(strstr(err.msg, "no credentials") != NULL);
	/* ...and --engine beats FAIZ_ENGINE. */
	opt_engine = "local";
	CHECK(resolve(NULL, NULL, path, env_faiz, &c, &w, &err) == CONFIG_OK);
	CHECK(c.engine == ENGINE_LOCAL);
	CHECK_STR(c.engine_from, "--engine");
	config_free(&c);
	opt_engine = NULL;
	/* One key without the other is an error, never a switch to local. */
	CHECK(resolve("half", NULL, path, none, &c, &w, &err) ==
	    CONFIG_ERR_CREDS);
	CHECK(strstr(err.msg, "no secret key") != NULL);
	/* A word that is no engine names where it came from. */
	CHECK(resolve("bad", NULL, path, none, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK(strstr(err.msg, ":9: unknown engine 'cloud'") != NULL);
	CHECK(resolve(NULL, NULL, path, env_bad, &c, &w, &err) ==
	    CONFIG_ERR_FILE);
	CHECK_STR(err.msg, "FAIZ_ENGINE: unknown engine 'ocr' (expected "
	    "local, faiz or auto)");
	opt_engine = "faiz";
	strlist_free(&w);
	free(path);
}

int
main(void)
{
	char *cmd;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_parse_pitfalls();
	test_parse_errors();
	test_precedence();
	test_default_path();
	test_missing();
	test_file_errors();
	test_permissions();
	test_endpoint();
	test_secret_hidden();
	test_free();
	test_engine();
	if ((cmd = fz_printf("rm -rf '%s'", tmpdir)) != NULL) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
		free(cmd);
	}
	return unit_done("config");
}
