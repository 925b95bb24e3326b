/* nogconv: procsnap-static only — an iconv that converts nothing, so no gconv module is ever loaded. */
/*
 * libarchive converts entry names with iconv.  glibc's iconv_open reads
 * gconv-modules (under $GCONV_PATH, else the host's gconv directory) and
 * dlopens the module it names, even in a static program: a variable or a
 * file on the suspect host would run its code inside the capture
 * (tests/it_preload.sh plants one).  Without a converter libarchive keeps
 * the name's bytes as they are; procsnap's member names are ASCII, made
 * from numbers and fixed words (docs/FORMAT.md), so the archive is the
 * same.  Defined here, in the program, these take the place of glibc's:
 * its iconv_open and the gconv loader are never linked.
 */
#include <errno.h>
#include <iconv.h>
#include <stddef.h>

iconv_t iconv_open(const char *to, const char *from)
{
	(void)to;
	(void)from;
	errno = EINVAL; /* "conversion not supported": libarchive copies bytes */
	return (iconv_t)-1;
}

size_t iconv(iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft)
{
	(void)cd;
	(void)in;
	(void)inleft;
	(void)out;
	(void)outleft;
	errno = EBADF;
	return (size_t)-1;
}

int iconv_close(iconv_t cd)
{
	(void)cd;
	errno = EBADF;
	return -1;
}
