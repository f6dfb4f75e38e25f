/* Unit tests for the xlsx output: written with libxlsxwriter, read back with Python's openpyxl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "out.h"
#include "record.h"
#include "unit.h"

static char dir[] = "/tmp/xlsx_test_XXXXXX";

static json_t *
rec_card(const char *file, const char *name, const char *id)
{
	json_t *r = record_new(file, "faiz");

	json_object_set_new(r, "side", json_string("front"));
	json_object_set_new(r, "name", json_string(name));
	json_object_set_new(r, "address", json_string("广东省广州市海珠区\n新港中路1号"));
	json_object_set_new(r, "id_number", json_string(id));
	json_object_set_new(r, "head_covered", json_false());
	json_object_set_new(r, "gray_image", json_true());
	json_object_set_new(r, "time_cost",
	    json_pack("{s:i, s:f}", "preprocess", 12, "recognize", 340.5));
	return r;
}

/* Write n records to path as xlsx; 0 or -1 (err printed). */
static int
write_xlsx(const char *path, json_t **recs, size_t n)
{
	struct out_opts oo = { 0, path, 0 };
	struct fz_err err = { "", 0 };
	struct out *o;
	size_t i;
	int rc = -1;

	/* The module writes by name: fp is not used. */
	if ((o = out_new(FORMAT_XLSX, NULL, &oo, &err)) != NULL) {
		rc = 0;
		for (i = 0; i < n && rc == 0; i++)
			rc = out_record(o, recs[i], &err);
		if (rc == 0)
			rc = out_finish(o, &err);
		out_free(o);
	}
	if (rc != 0)
		fprintf(stderr, "write_xlsx: %s\n", err.msg);
	return rc;
}

/* Run a Python program on path; its output, one line per element of want. */
static void
python_check(const char *prog, const char *path, const char *const *want,
    size_t nwant)
{
	char cmd[4096], line[1024];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c '%s' %s", prog, path);
	if ((p = popen(cmd, "r")) == NULL) {
		CHECK(!"cannot run python3");
		return;
	}
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (n < nwant)
			CHECK_STR(line, want[n]);
		n++;
	}
	CHECK(pclose(p) == 0);
	CHECK(n == nwant);
}

static const char prog_read[] =
    "import openpyxl, sys\n"
    "wb = openpyxl.load_workbook(sys.argv[1])\n"
    "print(wb.sheetnames)\n"
    "ws = wb[\"records\"]\n"
    "print(ws.freeze_panes)\n"
    "print(\",\".join(c.value for c in ws[1]))\n"
    "print(all(c.font.b for c in ws[1]))\n"
    "print(ws.max_row, ws.max_column)\n"
    "col = [c.value for c in ws[1]].index(\"id_number\") + 1\n"
    "print(ws.cell(1, col).column_letter, ws.column_dimensions[ws.cell(1, col).column_letter].width >= 18)\n"
    "for r in range(2, ws.max_row + 1):\n"
    "    c = ws.cell(r, col)\n"
    "    print(c.data_type, repr(c.value), len(c.value), c.number_format)\n"
    "r2 = {h.value: c for h, c in zip(ws[1], ws[2])}\n"
    "print(r2[\"name\"].value, repr(r2[\"address\"].value))\n"
    "print(r2[\"head_covered\"].data_type, r2[\"head_covered\"].value, r2[\"gray_image\"].value)\n"
    "print(r2[\"time_cost_preprocess\"].data_type, repr(r2[\"time_cost_preprocess\"].value), repr(r2[\"time_cost_recognize\"].value))\n"
    "print(repr(r2[\"issue_authority\"].value), repr(r2[\"error_code\"].value))\n"
    "r4 = {h.value: c for h, c in zip(ws[1], ws[4])}\n"
    "print(r4[\"name\"].data_type, repr(r4[\"name\"].value), repr(r4[\"error_code\"].value), repr(r4[\"warnings\"].value))\n";

static void
test_read_back(void)
{
	static const char *const want[] = {
		"['records']",
		"A2",
		"file,side,type,name,sex,people,birthday,address,id_number,"
		    "issue_authority,validity,head_covered,head_blurred,"
		    "border_covered,gray_image,sid,time_cost_preprocess,"
		    "time_cost_recognize,cropped_image,portrait_image,"
		    "id_number_image,sha256,prepared,warnings,error_code,"
		    "error_message,engine,card_index,card_count",
		"True",
		"4 29",
		"I True",
		"s '440105199208220038' 18 @",
		"s '11010519900102001X' 18 @",
		"s '010101200001010012' 18 @",
		"张三 '广东省广州市海珠区\\n新港中路1号'",
		"b False True",
		"n 12 340.5",
		"None None",
		"s '=SUM(A1)' 'x' 'small_image'",
	};
	json_t *recs[3], *w;
	char *path = fz_printf("%s/three.xlsx", dir);

	recs[0] = rec_card("a.jpg", "张三", "440105199208220038");
	recs[1] = rec_card("b.jpg", "欧阳娜娜", "11010519900102001X");
	recs[2] = rec_card("c.jpg", "=SUM(A1)", "010101200001010012");
	record_set_error(recs[2], "x", "y");
	w = json_pack("[{s:s, s:s}]", "code", "small_image", "message", "m");
	json_object_set_new(recs[2], "warnings", w);
	CHECK(write_xlsx(path, recs, 3) == 0);
	python_check(prog_read, path, want, sizeof(want) / sizeof(want[0]));
	unlink(path);
	free(path);
	json_decref(recs[0]);
	json_decref(recs[1]);
	json_decref(recs[2]);
}

static void
test_errors(void)
{
	struct out_opts oo = { 0, NULL, 0 };
	struct fz_err err = { "", 0 };
	struct stat st;
	json_t *rec = rec_card("a.jpg", "x", "1");
	struct out *o;
	char *path;

	/* No path: refused at once. */
	CHECK(out_new(FORMAT_XLSX, stdout, &oo, &err) == NULL);
	CHECK_STR(err.msg, "xlsx output needs a file: use -o FILE");
	strcpy(err.msg, "");
	CHECK(out_new(FORMAT_XLSX, stdout, NULL, &err) == NULL);
	CHECK(err.msg[0] != '\0');

	/* Freed without out_finish: nothing written. */
	path = fz_printf("%s/never.xlsx", dir);
	oo.path = path;
	o = out_new(FORMAT_XLSX, NULL, &oo, &err);
	CHECK(o != NULL);
	CHECK(o != NULL && out_record(o, rec, &err) == 0);
	out_free(o);
	CHECK(stat(path, &st) == -1);
	free(path);

	/* A directory that does not exist: the error comes at finish. */
	path = fz_printf("%s/no/such/dir.xlsx", dir);
	oo.path = path;
	o = out_new(FORMAT_XLSX, NULL, &oo, &err);
	CHECK(o != NULL);
	if (o != NULL) {
		CHECK(out_record(o, rec, &err) == 0);
		strcpy(err.msg, "");
		CHECK(out_finish(o, &err) == -1);
		CHECK_STR(err.msg, "xlsx: No such file or directory");
		/* Closed is closed: a later record is an error, not a crash. */
		CHECK(out_record(o, rec, &err) == -1);
		out_free(o);
	}
	free(path);
	json_decref(rec);
}

/* An empty run still makes a workbook with the header; control characters survive. */
static void
test_empty_and_controls(void)
{
	static const char *const want_empty[] = { "1 A2 file" };
	/*
	 * XML cannot hold U+0001: libxlsxwriter writes OOXML's escape _x0001_,
	 * which Excel turns back into the character and openpyxl 3.0 leaves as
	 * it is. The point: the file stays well-formed; a tab is kept.
	 */
	static const char *const want_ctl[] = { "'a_x0001_b\\tc'" };
	static const char prog_empty[] =
	    "import openpyxl, sys\n"
	    "ws = openpyxl.load_workbook(sys.argv[1])[\"records\"]\n"
	    "print(ws.max_row, ws.freeze_panes, ws[\"A1\"].value)\n";
	static const char prog_ctl[] =
	    "import openpyxl, sys\n"
	    "ws = openpyxl.load_workbook(sys.argv[1])[\"records\"]\n"
	    "print(repr(ws[\"D2\"].value))\n";
	char *path = fz_printf("%s/empty.xlsx", dir);
	json_t *rec;

	CHECK(write_xlsx(path, NULL, 0) == 0);
	python_check(prog_empty, path, want_empty, 1);
	unlink(path);
	free(path);

	path = fz_printf("%s/ctl.xlsx", dir);
	rec = rec_card("a.jpg", "a\001b\tc", "1");
	CHECK(write_xlsx(path, &rec, 1) == 0);
	python_check(prog_ctl, path, want_ctl, 1);
	unlink(path);
	free(path);
	json_decref(rec);
}

/* 10,000 records stream through (constant_memory) and all arrive. */
static void
test_many(void)
{
	static const char *const want[] = { "10001 '440105199208229999'" };
	static const char prog[] =
	    "import openpyxl, sys\n"
	    "ws = openpyxl.load_workbook(sys.argv[1], read_only=True)[\"records\"]\n"
	    "rows = list(ws.iter_rows(values_only=True))\n"
	    "print(len(rows), repr(rows[-1][8]))\n";
	struct out_opts oo = { 0, NULL, 0 };
	struct fz_err err = { "", 0 };
	char *path = fz_printf("%s/many.xlsx", dir), id[32];
	struct out *o;
	json_t *rec;
	int i, rc = 0;

	oo.path = path;
	if ((o = out_new(FORMAT_XLSX, NULL, &oo, &err)) == NULL) {
		CHECK(!"out_new");
		free(path);
		return;
	}
	for (i = 0; i < 10000 && rc == 0; i++) {
		snprintf(id, sizeof(id), "44010519920822%04d", i);
		rec = rec_card("a.jpg", "张三", id);
		rc = out_record(o, rec, &err);
		json_decref(rec);
	}
	CHECK(rc == 0);
	CHECK(out_finish(o, &err) == 0);
	out_free(o);
	python_check(prog, path, want, 1);
	unlink(path);
	free(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_read_back();
	test_errors();
	test_empty_and_controls();
	test_many();
	rmdir(dir);
	return unit_done("xlsx");
}
