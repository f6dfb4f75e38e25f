/* Unit tests for models.c: the committed table equals models/MANIFEST, the
 * places are tried in order, and every fault is named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models.h"
#include "unit.h"

/*
 * Small stand-in files with published SHA-256 test vectors (FIPS 180-2
 * "abc", the empty message, and the well-known pangram), so no digest is
 * computed by the code under test to set up its own expectations.
 */
static const char *const content[MODELS_NFILES] = {
    "abc", "", "The quick brown fox jumps over the lazy dog"};
static const struct models_expect fake[MODELS_NFILES] = {
    {"det.onnx", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"rec.onnx", 0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"keys.txt", 43,
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
};

static char root[64];

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* root/NAME holding the three right files; returns its path (static buffer per
 * call site). */
static void
good_dir(char *out, size_t n, const char *name)
{
	int i;

	snprintf(out, n, "%s/%s", root, name);
	mkdir(out, 0700);
	for (i = 0; i < MODELS_NFILES; i++)
		put(out, fake[i].name, content[i]);
}

static int
contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		return 1;
	fprintf(stderr, "message lacks \"%s\": %s\n", needle, hay);
	return 0;
}

/* Each model line of models/MANIFEST equals the compiled-in entry. */
static void
test_manifest(void)
{
	const struct models_expect *t = models_expected();
	char line[512], kind[16], name[128], sha[80];
	unsigned long long bytes;
	FILE *f = fopen("models/MANIFEST", "r");
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%15s %127s %llu %79s", kind, name, &bytes,
		        sha) != 4 ||
		    strcmp(kind, "model") != 0)
			continue;
		CHECK(n < MODELS_NFILES);
		if (n >= MODELS_NFILES)
			break;
		CHECK_STR(t[n].name, name);
		CHECK(t[n].bytes == bytes);
		CHECK_STR(t[n].sha256, sha);
		n++;
	}
	fclose(f);
	CHECK(n == MODELS_NFILES);
}

static void
test_explicit(void)
{
	struct models_set s;
	struct fz_err err;
	char good[256], bad[256], path[512];
	int i;

	good_dir(good, sizeof(good), "good");
	CHECK(models_find(good, &s, &err) == 0);
	CHECK_STR(s.dir, good);
	for (i = 0; i < MODELS_NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", good, fake[i].name);
		CHECK_STR(s.path[i], path);
		CHECK(s.len[i] == strlen(content[i]));
		CHECK(s.data[i] != NULL &&
		    memcmp(s.data[i], content[i], s.len[i]) == 0);
	}
	models_set_free(&s);
	models_set_free(&s); /* freeing twice is harmless */

	/* One directory with all three faults: each file is named with its own.
	 */
	snprintf(bad, sizeof(bad), "%s/bad", root);
	mkdir(bad, 0700);
	put(bad, "det.onnx", "abd");   /* same size, altered */
	put(bad, "keys.txt", "short"); /* wrong size */
	CHECK(models_find(bad, &s, &err) == -1);
	CHECK(contains(err.msg, "--models "));
	CHECK(contains(err.msg, bad));
	CHECK(contains(err.msg, "det.onnx wrong SHA-256"));
	CHECK(contains(err.msg, "rec.onnx missing"));
	CHECK(contains(err.msg, "keys.txt wrong size: 5 bytes, expected 43"));
	CHECK(s.dir == NULL && s.data[0] == NULL);

	/* A directory that is not there, and a file where the directory should
	 * be. */
	snprintf(path, sizeof(path), "%s/nowhere", root);
	CHECK(models_find(path, &s, &err) == -1);
	CHECK(contains(err.msg, "nowhere (no such directory)"));
	snprintf(path, sizeof(path), "%s/det.onnx", good);
	CHECK(models_find(path, &s, &err) == -1);
	CHECK(contains(err.msg, "not a directory"));

	/* A directory entry where a file should be. */
	snprintf(path, sizeof(path), "%s/rec.onnx", bad);
	mkdir(path, 0700);
	CHECK(models_find(bad, &s, &err) == -1);
	CHECK(contains(err.msg, "rec.onnx not a regular file"));
}

/* $FAIZ_MODELS is used when --models is not given, and only it. */
static void
test_env(void)
{
	struct models_set s;
	struct fz_err err;
	char good[256], inst[256], path[512];

	good_dir(good, sizeof(good), "env");
	good_dir(inst, sizeof(inst), "inst");
	models_test_override(fake, inst);

	setenv("FAIZ_MODELS", good, 1);
	CHECK(models_find(NULL, &s, &err) == 0);
	CHECK_STR(s.dir, good);
	models_set_free(&s);

	/* --models wins over the environment. */
	CHECK(models_find(inst, &s, &err) == 0);
	CHECK_STR(s.dir, inst);
	models_set_free(&s);

	/* A wrong FAIZ_MODELS is an error, not a silent fall back to the
	 * installed set. */
	snprintf(path, sizeof(path), "%s/nowhere", root);
	setenv("FAIZ_MODELS", path, 1);
	CHECK(models_find(NULL, &s, &err) == -1);
	CHECK(contains(err.msg, "FAIZ_MODELS "));
	CHECK(strstr(err.msg, "installed") == NULL);

	/* Empty means unset: the installed directory is used. */
	setenv("FAIZ_MODELS", "", 1);
	CHECK(models_find(NULL, &s, &err) == 0);
	CHECK_STR(s.dir, inst);
	models_set_free(&s);
	unsetenv("FAIZ_MODELS");
	CHECK(models_find(NULL, &s, &err) == 0);
	CHECK_STR(s.dir, inst);
	models_set_free(&s);

	/* Installed set altered: both places are named, each with its fault. */
	put(inst, "rec.onnx", "x");
	CHECK(models_find(NULL, &s, &err) == -1);
	CHECK(contains(err.msg, "installed "));
	CHECK(contains(err.msg, "rec.onnx wrong size: 1 bytes, expected 0"));
	CHECK(contains(err.msg, "beside the binary "));
	CHECK(contains(err.msg, "/models (no such directory)"));
	models_test_override(NULL, NULL);
}

/*
 * models/ beside the binary: a copy of this test program is run from a
 * directory that has one, with no installed set.
 */
static int
child_beside(const char *want)
{
	struct models_set s;
	struct fz_err err;
	int rc;

	unsetenv("FAIZ_MODELS");
	models_test_override(fake, "/nonexistent/faiz-idcard-models");
	rc = models_find(NULL, &s, &err) == 0 && strcmp(s.dir, want) == 0;
	if (!rc)
		fprintf(stderr, "beside: %s\n", err.msg);
	models_set_free(&s);
	return rc ? 0 : 1;
}

static void
test_beside(void)
{
	char bin[256], dir[256], exe[512], cmd[1024];
	int status;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/bin", root);
	mkdir(bin, 0700);
	good_dir(dir, sizeof(dir), "bin/models");
	snprintf(exe, sizeof(exe), "%s/models_test", bin);
	snprintf(
	    cmd, sizeof(cmd), "cp /proc/%ld/exe '%s'", (long)getpid(), exe);
	CHECK(system(cmd) == 0);
	pid = fork();
	if (pid == 0) {
		execl(exe, exe, "--beside", dir, (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
}

/* A path longer than the message still gives a bounded, terminated message. */
static void
test_long_path(void)
{
	struct models_set s;
	struct fz_err err;
	char path[3000];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	CHECK(models_find(path, &s, &err) == -1);
	CHECK(strlen(err.msg) < sizeof(err.msg));
	CHECK(contains(err.msg, "no usable OCR models"));
}

int
main(int argc, char **argv)
{
	char cmd[128];

	if (argc == 3 && strcmp(argv[1], "--beside") == 0)
		return child_beside(argv[2]);
	snprintf(root, sizeof(root), "/tmp/models_test.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_manifest();
	models_test_override(fake, "/nonexistent/faiz-idcard-models");
	test_explicit();
	test_env();
	test_beside();
	test_long_path();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return unit_done("models");
}
