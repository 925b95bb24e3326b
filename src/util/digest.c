/* digest: SHA-256 through OpenSSL's plain SHA256_* functions. */
/*
 * Not EVP: in OpenSSL 3 the first EVP digest initialises the library,
 * which reads openssl.cnf (OPENSSL_CONF, else /usr/lib/ssl/openssl.cnf)
 * and dlopens any provider module it names: a file or a variable on the
 * suspect host would run its code inside the capture (tests/it_preload.sh
 * shows it).  SHA256_Init/Update/Final are plain functions over a context
 * that touch no configuration, and a static link without the provider
 * machinery is 3.5 MB smaller.  They are deprecated in OpenSSL 3.0, hence
 * the API level asked for below; the same assembly does the hashing.
 */
#define OPENSSL_API_COMPAT 0x10101000L
#include <errno.h>
#include <stdlib.h>
#include <openssl/sha.h>

#include "digest.h"

int digest_begin(struct digest *d)
{
	SHA256_CTX *ctx = malloc(sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	if (SHA256_Init(ctx) != 1) {
		free(ctx);
		return -EIO;
	}
	d->ctx = ctx;
	return 0;
}

int digest_update(struct digest *d, const void *p, size_t n)
{
	if (!d->ctx)
		return -EINVAL;
	if (n && SHA256_Update(d->ctx, p, n) != 1)
		return -EIO;
	return 0;
}

int digest_end(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned int i;
	int r = 0;

	if (!d->ctx)
		return -EINVAL;
	if (SHA256_Final(md, d->ctx) != 1)
		r = -EIO;
	digest_free(d);
	if (r)
		return r;
	for (i = 0; i < DIGEST_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * DIGEST_LEN] = '\0';
	return 0;
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	free(d->ctx);
	d->ctx = NULL;
}

int digest_buffer(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1])
{
	struct digest d = DIGEST_INIT;
	int r;

	r = digest_begin(&d);
	if (!r)
		r = digest_update(&d, p, n);
	if (!r)
		return digest_end(&d, hex);
	digest_free(&d);
	return r;
}

int digest_is_hex(const char *s, size_t n)
{
	size_t i;

	if (n != DIGEST_HEX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
