/* Unit tests for resume.c and journal.c: record classes, last record of a digest wins, non-ndjson refused, the journal's lock, mode and temporary files. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "journal.h"
#include "resume.h"
#include "unit.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static enum resume_class
class_of(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	enum resume_class c = resume_class_of(j);

	json_decref(j);
	return c;
}

static void
test_classes(void)
{
	CHECK(class_of("{\"error\":null}") == RESUME_DONE);
	CHECK(class_of("{\"error\":null,\"dry_run\":true}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"40001\"}}") ==
	    RESUME_CHARGED_FAILURE);
	CHECK(class_of("{\"error\":{\"code\":\"40007\"}}") ==
	    RESUME_CHARGED_FAILURE);
	CHECK(class_of("{\"error\":{\"code\":\"40010\"}}") ==
	    RESUME_CHARGED_FAILURE);
	CHECK(class_of("{\"error\":{\"code\":\"bad_image\"}}") ==
	    RESUME_CHARGED_FAILURE);
	CHECK(class_of("{\"error\":{\"code\":\"40011\"}}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"40000\"}}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"4000x\"}}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"not_sent\"}}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"50004\"}}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"1414\"}}") == RESUME_RESEND);
	CHECK(class_of("{\"error\":{\"code\":\"transport\"}}") == RESUME_RESEND);
	CHECK(class_of("{}") == RESUME_RESEND);
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
}

static void
test_load(const char *dir)
{
	char path[512];
	struct resume r;
	struct strlist w = { 0 };
	struct fz_err err;

	snprintf(path, sizeof(path), "%s/r.ndjson", dir);
	put(path,
	    "{\"sha256\":\"" SHA_B "\",\"error\":{\"code\":\"40007\"}}\n"
	    "{\"sha256\":\"" SHA_A "\",\"error\":{\"code\":\"502\"}}\n"
	    "{\"sha256\":\"" SHA_B "\",\"error\":null}\n"
	    "{\"sha256\":\"" SHA_A "\",\"error\":{\"code\":\"40002\"}}\n"
	    "{\"faiz_tmp\":\".faiz-0011223344556677.tmp\"}\n"
	    "{\"sha256\":\"" SHA_C "\",\"err");
	CHECK(resume_load(path, &r, &w, &err) == 0);
	CHECK(r.n == 2);
	CHECK(resume_find(&r, SHA_A) != NULL &&
	    resume_find(&r, SHA_A)->cls == RESUME_CHARGED_FAILURE);
	CHECK(resume_has(&r, SHA_B));
	CHECK(!resume_has(&r, SHA_A));
	CHECK(resume_find(&r, SHA_C) == NULL);
	CHECK(r.ends_without_newline);
	CHECK(w.n == 1);
	CHECK(r.tmps.n == 1);
	resume_free(&r);
	strlist_free(&w);

	/* Not ndjson: refused, whatever follows. */
	put(path, "  \n[\n  {\"sha256\":\"" SHA_A "\",\"error\":null}\n]\n");
	CHECK(resume_load(path, &r, &w, &err) == -1);
	CHECK(strstr(err.msg, "not an ndjson file") != NULL);
	put(path, "file,side\n");
	CHECK(resume_load(path, &r, &w, &err) == -1);
	put(path, "");
	CHECK(resume_load(path, &r, &w, &err) == 0 && r.n == 0);
	resume_free(&r);
	snprintf(path, sizeof(path), "%s/missing.ndjson", dir);
	CHECK(resume_load(path, &r, &w, &err) == 0 && r.n == 0);
	resume_free(&r);
	strlist_free(&w);
}

static void
test_journal(const char *dir)
{
	char target[512], jpath[512], tmp[512];
	struct journal j, j2;
	struct strlist w = { 0 };
	struct fz_err err;
	struct stat st;
	json_t *rec;

	snprintf(target, sizeof(target), "%s/out.csv", dir);
	snprintf(jpath, sizeof(jpath), "%s/.out.csv.faiz-journal", dir);
	snprintf(tmp, sizeof(tmp), "%s/.faiz-0123456789abcdef.tmp", dir);
	umask(022);
	CHECK(journal_open(&j, target, &w, &err) == 0);
	CHECK(stat(jpath, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* Locked: a second opener is refused. */
	CHECK(journal_open(&j2, target, &w, &err) == -1);
	CHECK(strstr(err.msg, "another run") != NULL);
	put(tmp, "partial");
	CHECK(journal_note_tmp(&j, ".faiz-0123456789abcdef.tmp", &err) == 0);
	rec = json_pack("{s:s,s:n}", "sha256", SHA_A, "error");
	CHECK(journal_append(&j, rec, &err) == 0);
	json_decref(rec);
	/* Killed here: the journal stays. */
	journal_close(&j);
	CHECK(journal_open(&j, target, &w, &err) == 0);
	CHECK(j.prev.n == 1 && resume_has(&j.prev, SHA_A));
	/* The killed run's temporary file is gone. */
	CHECK(access(tmp, F_OK) == -1);
	CHECK(journal_done(&j, &err) == 0);
	CHECK(access(jpath, F_OK) == -1);
	strlist_free(&w);
}

#define CARD(sha, k, n, err) "{\"sha256\":\"" sha "\",\"error\":" err \
	",\"card\":{\"index\":" #k ",\"count\":" #n "}}\n"

/* A file of several cards is done only when every card of it is there. */
static void
test_cards(const char *dir)
{
	char path[512];
	struct resume r;
	struct fz_err err;
	struct resume_entry *e;

	snprintf(path, sizeof(path), "%s/cards.ndjson", dir);
	put(path, CARD(SHA_A, 1, 2, "null") CARD(SHA_A, 2, 2, "null")
	    CARD(SHA_B, 1, 3, "null") CARD(SHA_B, 2, 3, "null")
	    CARD(SHA_C, 1, 2, "null") CARD(SHA_C, 2, 2,
	    "{\"code\":\"bad_image\"}"));
	CHECK(resume_load(path, &r, NULL, &err) == 0);
	CHECK(r.n == 3);
	e = resume_find(&r, SHA_A);
	CHECK(e != NULL && e->cls == RESUME_DONE && json_is_array(e->rec) &&
	    json_array_size(e->rec) == 2);
	CHECK(e != NULL && json_integer_value(json_object_get(json_object_get(
	    json_array_get(e->rec, 1), "card"), "index")) == 2);
	/* Killed before its third card's record: to do again. */
	e = resume_find(&r, SHA_B);
	CHECK(e != NULL && e->cls == RESUME_RESEND);
	CHECK(!resume_has(&r, SHA_B));
	/* The worst card classes the file. */
	e = resume_find(&r, SHA_C);
	CHECK(e != NULL && e->cls == RESUME_CHARGED_FAILURE);
	resume_free(&r);

	/* A later run of one card (different count) wins over the old cards. */
	put(path, CARD(SHA_A, 1, 2, "null") CARD(SHA_A, 2, 2, "null")
	    "{\"sha256\":\"" SHA_A "\",\"error\":null}\n");
	CHECK(resume_load(path, &r, NULL, &err) == 0);
	e = resume_find(&r, SHA_A);
	CHECK(e != NULL && e->cls == RESUME_DONE && json_is_object(e->rec));
	resume_free(&r);
}

int
main(void)
{
	char dir[] = "/tmp/resume_test.XXXXXX";
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_classes();
	test_load(dir);
	test_journal(dir);
	test_cards(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done("resume");
}
