/* inject: a library that says when it was loaded — as an LD_PRELOAD object, an OpenSSL provider module or a gconv module (tests/it_preload.sh). */
/*
 * Its constructor appends a line to LIBRARY.ran (beside wherever it was
 * loaded from): a test that finds the file knows the library's code ran
 * inside the process.  The two entry points make OpenSSL and glibc's iconv
 * accept it as a module, so neither fails before the constructor matters.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((constructor)) static void announce(void)
{
	char path[4096];
	Dl_info info;
	int fd;

	if (!dladdr((void *)announce, &info) || !info.dli_fname)
		return;
	snprintf(path, sizeof(path), "%s.ran", info.dli_fname);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	dprintf(fd, "loaded into pid %d\n", (int)getpid());
	close(fd);
}

/* OpenSSL 3 provider entry point: a provider with no algorithms. */
int OSSL_provider_init(const void *handle, const void *in, const void **out, void **ctx);
int OSSL_provider_init(const void *handle, const void *in, const void **out, void **ctx)
{
	static const long end[2];

	(void)handle;
	(void)in;
	*out = end;
	*ctx = NULL;
	return 1;
}

/* glibc gconv module entry points: a converter that converts nothing. */
int gconv_init(void *step);
int gconv(void *step, void *data, const unsigned char **in, const unsigned char *inend,
	  unsigned char **out, size_t *irrev, int flush, int consume);
int gconv_init(void *step)
{
	(void)step;
	return 0;
}

int gconv(void *step, void *data, const unsigned char **in, const unsigned char *inend,
	  unsigned char **out, size_t *irrev, int flush, int consume)
{
	(void)step;
	(void)data;
	(void)in;
	(void)inend;
	(void)out;
	(void)irrev;
	(void)flush;
	(void)consume;
	return 0;
}
