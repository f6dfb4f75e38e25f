/* SHA-256 through OpenSSL's libcrypto, as lowercase hex. */
#include "digest.h"

#include <openssl/evp.h>

#include "util.h"

int
digest_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	fz_hex(md, 32, out);
	return 0;
}
