/* Credentials and settings: options > environment > config file > defaults. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "util.h"

#define CONFIG_DEFAULT_ENDPOINT "http://api-gateway.tempeisite.xyz"
#define CONFIG_MAX_SIZE (1024 * 1024) /* a larger config file is an error */

/* Which recogniser runs: --engine, $FAIZ_ENGINE, engine = in the profile. */
enum config_engine {
	ENGINE_AUTO = 0, /* faiz when credentials are configured, else local */
	ENGINE_FAIZ,     /* the Faiz service's gateway: paid, remote */
	ENGINE_LOCAL     /* this machine's engine: no network, no points */
};

/* "auto", "faiz", "local" into *out; 0, or -1 for any other word. */
int config_engine_parse(const char *s, enum config_engine *out);

struct config_in {
	const char *opt_profile;  /* --profile or NULL */
	const char *opt_engine;   /* --engine or NULL */
	const char *opt_endpoint; /* --endpoint or NULL */
	const char *opt_config;   /* --config or NULL */
	/* getenv, or a fake in tests; NULL means getenv(3). */
	const char *(*getenv)(const char *name);
};

struct creds {
	char *access_key;  /* owned, non-empty after success */
	char *secret_key;  /* owned, non-empty after success; wiped by config_free */
	char *endpoint;    /* owned, validated, no trailing slash */
	char *profile;     /* the profile used */
	enum config_engine engine; /* ENGINE_FAIZ or ENGINE_LOCAL after success;
			      with ENGINE_LOCAL the keys may be NULL */
	char *engine_from; /* where the engine was chosen, for messages:
			      "--engine", "FAIZ_ENGINE", "FILE:LINE", or
			      "no credentials" (auto without keys) */
	char *config_path; /* the config file considered, even if it did not
			      exist; NULL only when HOME is unset */
	int config_read;   /* 1 when the file existed and was read */
};

enum config_status {
	CONFIG_OK = 0,
	CONFIG_ERR_FILE = -1,  /* usage or config error (and out of memory): exit 2 */
	CONFIG_ERR_CREDS = -2  /* missing credentials or unknown profile: exit 3 */
};

/*
 * Resolve the engine, credentials, endpoint and profile. The local engine
 * needs no keys: auto chooses it when neither key is configured anywhere
 * (a profile named by --profile or $FAIZ_PROFILE must still exist). Returns CONFIG_OK, or an
 * enum config_status with the message in err (out is then left empty).
 * Warnings (unknown keys, file mode) are appended to warnings, which may be
 * NULL. No message or warning ever holds the secret key.
 */
int config_resolve(const struct config_in *in, struct creds *out,
    struct strlist *warnings, struct fz_err *err);
/* Free and zero c; safe on a zeroed or already freed struct. */
void config_free(struct creds *c);

/* What config_parse found for one profile. */
struct config_file {
	char *access_key;  /* from [profile], the last one wins; NULL if absent */
	char *secret_key;
	char *endpoint;
	unsigned long endpoint_line; /* line of endpoint, for messages */
	char *engine;      /* engine = from [profile], or NULL */
	unsigned long engine_line;
	int profile_seen;  /* [profile] appears in the file */
	int has_secret;    /* some section holds a non-empty secret_key */
};

/*
 * Parse INI text of len bytes (need not be NUL-terminated; exposed for unit
 * tests and fuzzing). path only names the file in messages. Returns 0, or
 * -1 with "PATH:LINE: ..." in err and out freed.
 */
int config_parse(const char *text, size_t len, const char *path,
    const char *profile, struct config_file *out, struct strlist *warnings,
    struct fz_err *err);
void config_file_free(struct config_file *f);

#endif
