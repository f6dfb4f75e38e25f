/* Unit tests for termsafe.c: what reaches stderr can be read and never acts on the terminal. */
#include <string.h>

#include "termsafe.h"
#include "unit.h"

static void
same(const char *in, const char *want)
{
	char out[256];

	termsafe_buf(in, out, sizeof(out));
	CHECK_STR(out, want);
}

int
main(void)
{
	char small[8];

	same("photos/card 1.jpg", "photos/card 1.jpg");
	same("张三/身份证.jpg", "张三/身份证.jpg");
	/* ESC [ 2 J clears the screen; OSC 0 ; ... BEL retitles the window. */
	same("\033[2Jx.jpg", "\\x1b[2Jx.jpg");
	same("\033]0;pwned\007.jpg", "\\x1b]0;pwned\\x07.jpg");
	same("a\tb\nc\rd\x7f", "a\\tb\\nc\\rd\\x7f");
	/* C1 CSI as UTF-8, and as a lone byte (not UTF-8). */
	same("x\xc2\x9b" "31m", "x\\u009b31m");
	same("x\x9b" "31m", "x\\x9b31m");
	/* Right-to-left override: "gpj.exe" must not read as "exe.jpg". */
	same("a\xe2\x80\xaegpj.exe", "a\\u202egpj.exe");
	same("l\xe2\x80\xa8m", "l\\u2028m");
	/* Cut before a whole escape or character, never inside one. */
	CHECK(termsafe_buf("ab\033cd", small, sizeof(small)) == 7);
	CHECK_STR(small, "ab\\x1bc");
	CHECK(termsafe_buf("ab\033", small, 5) == 2);
	CHECK_STR(small, "ab");
	CHECK(termsafe_buf("a张", small, 4) == 1);
	CHECK_STR(small, "a");
	return unit_done("termsafe");
}
