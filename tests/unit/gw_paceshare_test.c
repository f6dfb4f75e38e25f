/* Unit tests of the machine-wide pace file (gw_paceshare) and of the run's slow-down without climbing back (gw_pace). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_pace.h"
#include "gw_paceshare.h"
#include "unit.h"

static void
test_path(void)
{
	char p[512];
	size_t base = 0;

	CHECK(paceshare_path("http://127.0.0.1:8090", "/run/user/1", NULL,
	    "/home/u", p, sizeof(p), &base) == 0);
	CHECK_STR(p, "/run/user/1/faiz-idcard/pace-127.0.0.1_8090");
	CHECK(base == strlen("/run/user/1"));
	/* No port: the scheme's; user:password and the path are no part of it. */
	CHECK(paceshare_path("http://me:secret@API-Gateway.example/x/y", NULL,
	    NULL, "/home/u", p, sizeof(p), &base) == 0);
	CHECK_STR(p, "/home/u/.local/state/faiz-idcard/pace-api-gateway.example_80");
	CHECK(base == strlen("/home/u"));
	CHECK(paceshare_path("https://h", NULL, "/st", "/home/u", p,
	    sizeof(p), &base) == 0);
	CHECK_STR(p, "/st/faiz-idcard/pace-h_443");
	CHECK(base == 0);
	/* An IPv6 literal: its colons are no port. */
	CHECK(paceshare_path("http://[::1]:9000", "/r", NULL, NULL, p,
	    sizeof(p), &base) == 0);
	CHECK_STR(p, "/r/faiz-idcard/pace-___1__9000");
	/* Relative directories are ignored, as XDG says. */
	CHECK(paceshare_path("http://h", "run", "state", "/home/u", p,
	    sizeof(p), &base) == 0);
	CHECK_STR(p, "/home/u/.local/state/faiz-idcard/pace-h_80");
	CHECK(paceshare_path("http://h", NULL, NULL, NULL, p, sizeof(p), &base) == -1);
	CHECK(paceshare_path("http://", "/r", NULL, NULL, p, sizeof(p), &base) == -1);
	CHECK(paceshare_path("http://h:8x", "/r", NULL, NULL, p, sizeof(p), &base) == -1);
	CHECK(paceshare_path("http://h", "/r", NULL, NULL, p, 10, &base) == -1);
	/* Nothing but safe bytes reaches the name. */
	CHECK(paceshare_path("http://a/../b", "/r", NULL, NULL, p,
	    sizeof(p), &base) == 0);
	CHECK_STR(p, "/r/faiz-idcard/pace-a_80");
	CHECK(paceshare_path("http://a%2F..%2Fb", "/r", NULL, NULL, p,
	    sizeof(p), &base) == 0);
	CHECK_STR(p, "/r/faiz-idcard/pace-a_2f.._2fb_80");
}

static void
test_format(void)
{
	struct paceshare_state st = { 100.5, 0.52, 1000 }, back;
	char buf[256];
	int n;

	n = paceshare_format(&st, buf, sizeof(buf));
	CHECK(n > 0);
	paceshare_parse(buf, (size_t)n, 99, 120, &back);
	CHECK(back.slot == 100.5);
	CHECK(back.floor == 0.52);
	CHECK(back.floor_until == 1000);
	/* From an earlier boot: a slot or refusal too far ahead is forgotten. */
	paceshare_parse(buf, (size_t)n, -1000, 120, &back);
	CHECK(back.slot == 0 && back.floor == 0);
	/* An expired refusal is forgotten, the slot kept. */
	paceshare_parse(buf, (size_t)n, 1001, 120, &back);
	CHECK(back.slot == 100.5 && back.floor == 0);
	paceshare_parse("junk", 4, 0, 120, &back);
	CHECK(back.slot == 0 && back.floor == 0 && back.floor_until == 0);
	paceshare_parse("faiz-idcard-pace 1 1 2", 22, 0, 120, &back);
	CHECK(back.slot == 0);
	paceshare_parse("faiz-idcard-pace 1 nan 0 0\n", 27, 0, 120, &back);
	CHECK(back.slot == 0);
	CHECK(paceshare_format(&st, buf, 10) == -1);
}

static void
test_file(void)
{
	char dir[] = "/tmp/paceshare_testXXXXXX", path[256];
	struct paceshare *a, *b;
	struct fz_err e;
	struct stat sb;
	double at, floor;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/sub/faiz-idcard/pace-h_80", dir);
	/* Below a base that is not there, nothing is made. */
	CHECK(paceshare_open(path, strlen(dir) + 4, &e) == NULL);
	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK(access(path, F_OK) == -1);
	snprintf(path, sizeof(path), "%s/sub/faiz-idcard/pace-h_80", dir);
	a = paceshare_open(path, strlen(dir), &e);
	b = paceshare_open(path, strlen(dir), &e);
	CHECK(a != NULL && b != NULL);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	/* The first claims the slot; the other must wait for it. */
	CHECK(paceshare_take(a, 10.0, 1.04, &at, &floor) == 1);
	CHECK(floor == 0);
	CHECK(paceshare_take(b, 10.5, 1.04, &at, &floor) == 0);
	CHECK(at > 11.03 && at < 11.05);
	CHECK(paceshare_take(b, 11.04, 1.04, &at, &floor) == 1);
	/* A refusal: every run waits, and learns the refused spacing. */
	paceshare_refused(a, 12.0, 2.0, 0.52);
	CHECK(paceshare_take(b, 13.0, 1.04, &at, &floor) == 0);
	CHECK(at == 14.0);
	CHECK(floor == 0.52);
	CHECK(paceshare_take(b, 14.0, 1.04, &at, &floor) == 1);
	CHECK(floor == 0.52);
	/* No file: the run is never held up. */
	CHECK(paceshare_take(NULL, 1, 1, &at, &floor) == 1);
	paceshare_close(a);
	paceshare_close(b);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/faiz-idcard", dir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

static void
test_pace(void)
{
	struct gw_pace p;
	double sent;
	int i;

	/* --rate 2 against a backend admitting 1/s. */
	gw_pace_init(&p, 2, 0);
	sent = p.interval;
	CHECK(p.interval > 0.519 && p.interval < 0.521);
	gw_pace_slow_down(&p, 1, sent);
	CHECK(p.interval > 1.039 && p.interval < 1.041);
	/* A second refusal from the same burst does not slow down again. */
	gw_pace_slow_down(&p, 1.1, sent);
	CHECK(p.interval > 1.039 && p.interval < 1.041);
	/* Successes never bring it back to where the refusals came. */
	for (i = 0; i < 50; i++)
		gw_pace_speed_up(&p);
	CHECK(p.interval > 1.039);
	/* A refusal at the slowed pace doubles it again. */
	gw_pace_slow_down(&p, 5, p.interval);
	CHECK(p.interval > 2.07 && p.interval < 2.09);
	for (i = 0; i < 50; i++)
		gw_pace_speed_up(&p);
	CHECK(p.interval > 2.07);
	/* Never slower than a minute. */
	for (i = 0; i < 20; i++)
		gw_pace_slow_down(&p, 5, p.interval);
	CHECK(p.interval == 60.0);

	/* --rate 50: the slow-down reaches a second, the recovery half of 50/s. */
	gw_pace_init(&p, 50, 0);
	gw_pace_slow_down(&p, 0, p.interval);
	CHECK(p.interval == 1.0);
	for (i = 0; i < 100; i++)
		gw_pace_speed_up(&p);
	CHECK(p.interval > 0.0415 && p.interval < 0.0417);

	/* Another run's refusal: not faster than after one of our own. */
	gw_pace_init(&p, 10, 0);
	gw_pace_adopt_floor(&p, 0.8);
	CHECK(p.interval == 1.6);
	gw_pace_adopt_floor(&p, 0.1);
	CHECK(p.interval == 1.6);
}

int
main(void)
{
	test_path();
	test_format();
	test_file();
	test_pace();
	return unit_done("gw_paceshare");
}
