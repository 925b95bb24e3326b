/* digest: SHA-256 through OpenSSL's SHA256_* functions (no EVP: see digest.c). */
#ifndef PROCSNAP_DIGEST_H
#define PROCSNAP_DIGEST_H

#include <stddef.h>

#define DIGEST_LEN 32
#define DIGEST_HEX_LEN 64

/* An incremental SHA-256.  Start with DIGEST_INIT; digest_free accepts it. */
struct digest {
	void *ctx; /* SHA256_CTX, kept opaque so callers need no OpenSSL headers */
};
#define DIGEST_INIT { NULL }

int digest_begin(struct digest *d);
int digest_update(struct digest *d, const void *p, size_t n);
/* Writes the lowercase hex digest and a NUL into hex (65 bytes). */
int digest_end(struct digest *d, char hex[DIGEST_HEX_LEN + 1]);
void digest_free(struct digest *d);
int digest_buffer(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1]);
/* True when s is exactly 64 lowercase hex digits. */
int digest_is_hex(const char *s, size_t n);

#endif
