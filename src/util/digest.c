/* digest: SHA-256 through OpenSSL's EVP interface. */
#include <errno.h>
#include <openssl/evp.h>

#include "digest.h"

int digest_begin(struct digest *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -EIO;
	}
	d->ctx = ctx;
	return 0;
}

int digest_update(struct digest *d, const void *p, size_t n)
{
	if (!d->ctx)
		return -EINVAL;
	if (n && EVP_DigestUpdate(d->ctx, p, n) != 1)
		return -EIO;
	return 0;
}

int digest_end(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	int r = 0;

	if (!d->ctx)
		return -EINVAL;
	if (EVP_DigestFinal_ex(d->ctx, md, &len) != 1 || len != DIGEST_LEN)
		r = -EIO;
	digest_free(d);
	if (r)
		return r;
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * len] = '\0';
	return 0;
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
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
