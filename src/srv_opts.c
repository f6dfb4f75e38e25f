/* The options of `faiz-idcard serve`: one table, defaults from srv_config_init. */
#include "srv_opts.h"

#include <getopt.h>
#include <string.h>

#include "options.h" /* options_number, options_whole */
#include "srv_http.h"

const char srv_opts_synopsis[] =
    "usage: faiz-idcard serve [-q] [-j jobs] [--listen addr:port] [--keys file]\n"
    "                   [--redis url] [--require-body-hash] [--queue n]\n"
    "                   [--request-timeout seconds] [--tls-cert file --tls-key file]\n"
    "                   [--models dir]\n";

const char srv_opts_help[] =
    "Offer the service's ID card endpoint (POST /api/ai/ocr/idcard) over HTTP,\n"
    "recognised by the local engine: no image leaves this machine.\n"
    "\n"
    "Options:\n"
    "      --listen ADDR:PORT   where to listen (default: " SRV_DEFAULT_LISTEN ");\n"
    "                           other than loopback only with --keys\n"
    "      --keys FILE          accept requests signed with the key pairs in FILE\n"
    "                           (\"access_key secret_key\" lines, mode 0600)\n"
    "      --redis URL          keep seen nonces in Redis (redis://host:port/db),\n"
    "                           shared by every instance\n"
    "      --require-body-hash  the body header must be the image's SHA-256\n"
    "  -j, --jobs N             images recognised at once (default: one per\n"
    "                           processor)\n"
    "      --queue N            requests waiting for a worker before the server\n"
    "                           answers 503 (default: 16)\n"
    "      --request-timeout SECONDS\n"
    "                           answer 50004 after this long and stop the\n"
    "                           engine's work on it (default: 30)\n"
    "      --tls-cert FILE      serve https with this PEM certificate chain\n"
    "      --tls-key FILE       and this PEM private key\n"
    "      --models DIR         the local engine's models (see faiz-idcard(1))\n"
    "  -q, --quiet              no access log on stderr\n"
    "  -h, --help               show this help and exit\n"
    "\n"
    "Images: JPEG, 100 to 4000 pixels a side, at most 3 MiB (4 MiB as base64);\n"
    "others are answered 40006.\n"
    "SIGHUP reloads the keys file; SIGTERM drains the requests in flight.\n";

enum { OPT_LISTEN = 256, OPT_KEYS, OPT_REDIS, OPT_BODY_HASH, OPT_QUEUE,
	OPT_REQ_TIMEOUT, OPT_TLS_CERT, OPT_TLS_KEY, OPT_MODELS };

static const struct option serve_options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "require-body-hash", no_argument, NULL, OPT_BODY_HASH },
	{ "jobs", required_argument, NULL, 'j' },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "request-timeout", required_argument, NULL, OPT_REQ_TIMEOUT },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "models", required_argument, NULL, OPT_MODELS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The name of the option getopt_long stopped at, for messages. */
static const char *
opt_name(int c)
{
	size_t i;

	for (i = 0; serve_options[i].name != NULL; i++)
		if (serve_options[i].val == c)
			return serve_options[i].name;
	return "?";
}

int
srv_opts_parse(struct srv_opts *o, int argc, char **argv, struct fz_err *err)
{
	double d;
	long n;
	int c;

	memset(o, 0, sizeof(*o));
	srv_config_init(&o->cfg);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":j:qh", serve_options,
	    NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			o->cfg.listen = optarg;
			break;
		case OPT_KEYS:
			o->cfg.keys_file = optarg;
			break;
		case OPT_REDIS:
			o->cfg.redis_url = optarg;
			break;
		case OPT_BODY_HASH:
			o->cfg.require_body_hash = true;
			break;
		case 'j':
			if (options_whole(optarg, 1, 64, &o->jobs) == -1) {
				fz_seterr(err, "serve --jobs: '%.40s' is not a "
				    "whole number from 1 to 64", optarg);
				return -1;
			}
			break;
		case OPT_QUEUE:
			if (options_whole(optarg, 1, 4096, &n) == -1) {
				fz_seterr(err, "serve --queue: '%.40s' is not a "
				    "whole number from 1 to 4096", optarg);
				return -1;
			}
			o->cfg.queue = (int)n;
			break;
		case OPT_REQ_TIMEOUT:
			if (options_number(optarg, 0.1, 3600, &d) == -1) {
				fz_seterr(err, "serve --request-timeout: '%.40s' "
				    "is not a number of seconds from 0.1 to "
				    "3600", optarg);
				return -1;
			}
			o->cfg.request_timeout = d;
			break;
		case OPT_TLS_CERT:
			o->cfg.tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o->cfg.tls_key = optarg;
			break;
		case OPT_MODELS:
			o->models = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			o->help = 1;
			return 0;
		case ':':
			if (optopt == 'j' || optopt == 0)
				fz_seterr(err, "serve %s needs a value",
				    argv[optind - 1]);
			else
				fz_seterr(err, "serve --%s needs a value",
				    opt_name(optopt));
			return -1;
		default:
			if (optopt != 0 && optopt < 256)
				fz_seterr(err, "serve: unknown option -%c",
				    optopt);
			else
				fz_seterr(err, "serve: unknown option %.60s",
				    argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc) {
		fz_seterr(err, "serve takes no operands (an image is sent "
		    "to the server, not named to it): '%.60s'", argv[optind]);
		return -1;
	}
	if ((o->cfg.tls_cert == NULL) != (o->cfg.tls_key == NULL)) {
		fz_seterr(err, "serve: --tls-cert and --tls-key go together");
		return -1;
	}
	return 0;
}
