/* selfcheck: the objects mapped into procsnap that none of its libraries name, and the loader variables it was started with. */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "jsonw.h"
#include "selfcheck.h"

extern char **environ;

/*
 * The variables recorded: everything the dynamic loader reads (ld.so(8):
 * LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH, LD_DEBUG_OUTPUT...), and the
 * others through which a library procsnap links loads or changes code:
 * glibc's tunables (read by the static build too), iconv's gconv modules
 * (libarchive converts names with iconv), OpenSSL's configuration and
 * module directories.  A name ending in '_' is a prefix.
 */
static const char *const watched[] = {
	"LD_", "GLIBC_TUNABLES", "GCONV_PATH", "OPENSSL_CONF", "OPENSSL_MODULES",
	"OPENSSL_ENGINES", NULL,
};

/* One object as dl_iterate_phdr reported it.  soname and needed point
 * into the object's own string table, mapped while selfcheck_run runs. */
struct object {
	char *path;             /* dlpi_name, copied; "" for the program */
	uintptr_t ehdr;         /* where its ELF header is mapped, or 0 */
	const char *soname;     /* DT_SONAME, or NULL */
	const char **needed;    /* DT_NEEDED names (malloc'ed array) */
	size_t nneeded;
	bool expected;
};

struct walk {
	struct object *objs;
	size_t n, cap;
	bool interp;            /* the program has a PT_INTERP */
	int err;
};

/* Whether [p, p + n) lies inside one of the object's loaded segments. */
static bool in_segments(const struct dl_phdr_info *i, uintptr_t p, size_t n)
{
	int k;

	for (k = 0; k < i->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &i->dlpi_phdr[k];
		uintptr_t lo = i->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;

		if (ph->p_type == PT_LOAD && p >= lo && p <= hi && n <= hi - p)
			return true;
	}
	return false;
}

/*
 * An address from .dynamic.  The loader rewrites d_ptr to an absolute
 * address when it relocates an object, but not where .dynamic is
 * read-only (the vdso) nor for the program when it is not a PIE: so
 * whichever reading lands inside the object's segments.
 */
static const char *dyn_addr(const struct dl_phdr_info *i, ElfW(Addr) v, size_t n)
{
	if (in_segments(i, v, n))
		return (const char *)v;
	if (v <= UINTPTR_MAX - i->dlpi_addr && in_segments(i, i->dlpi_addr + v, n))
		return (const char *)(i->dlpi_addr + v);
	return NULL;
}

/* The NUL-terminated string at off in a string table of size n, or NULL. */
static const char *dyn_str(const char *tab, size_t n, ElfW(Xword) off)
{
	if (!tab || off >= n || !memchr(tab + off, '\0', n - off))
		return NULL;
	return tab + off;
}

/* DT_SONAME and the DT_NEEDED names of one object.  0 or -ENOMEM. */
static int read_dynamic(const struct dl_phdr_info *i, const ElfW(Dyn) *dyn, size_t ndyn,
			struct object *o)
{
	ElfW(Addr) strtab = 0;
	size_t strsz = 0, k, count = 0;
	const char *tab;

	for (k = 0; k < ndyn && dyn[k].d_tag != DT_NULL; k++) {
		if (dyn[k].d_tag == DT_STRTAB)
			strtab = dyn[k].d_un.d_ptr;
		else if (dyn[k].d_tag == DT_STRSZ)
			strsz = dyn[k].d_un.d_val;
		else if (dyn[k].d_tag == DT_NEEDED)
			count++;
	}
	tab = strtab && strsz ? dyn_addr(i, strtab, strsz) : NULL;
	if (!tab)
		return 0;
	if (count) {
		o->needed = calloc(count, sizeof(*o->needed));
		if (!o->needed)
			return -ENOMEM;
	}
	for (k = 0; k < ndyn && dyn[k].d_tag != DT_NULL; k++) {
		const char *s = NULL;

		if (dyn[k].d_tag == DT_SONAME || dyn[k].d_tag == DT_NEEDED)
			s = dyn_str(tab, strsz, dyn[k].d_un.d_val);
		if (s && dyn[k].d_tag == DT_SONAME)
			o->soname = s;
		else if (s && o->nneeded < count)
			o->needed[o->nneeded++] = s;
	}
	return 0;
}

static int visit(struct dl_phdr_info *i, size_t size, void *arg)
{
	struct walk *w = arg;
	const ElfW(Dyn) *dyn = NULL;
	struct object *o;
	size_t ndyn = 0;
	int k;

	(void)size;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 32;
		struct object *p = realloc(w->objs, cap * sizeof(*p));

		if (!p) {
			w->err = -ENOMEM;
			return 1;
		}
		w->objs = p;
		w->cap = cap;
	}
	o = &w->objs[w->n];
	memset(o, 0, sizeof(*o));
	o->path = strdup(i->dlpi_name ? i->dlpi_name : "");
	if (!o->path) {
		w->err = -ENOMEM;
		return 1;
	}
	w->n++;
	for (k = 0; k < i->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &i->dlpi_phdr[k];

		if (ph->p_type == PT_INTERP && w->n == 1)
			w->interp = true;
		else if (ph->p_type == PT_LOAD && ph->p_offset == 0 && !o->ehdr)
			o->ehdr = i->dlpi_addr + ph->p_vaddr;
		else if (ph->p_type == PT_DYNAMIC &&
			 in_segments(i, i->dlpi_addr + ph->p_vaddr, ph->p_memsz)) {
			dyn = (const ElfW(Dyn) *)(i->dlpi_addr + ph->p_vaddr);
			ndyn = ph->p_memsz / sizeof(*dyn);
		}
	}
	if (dyn && read_dynamic(i, dyn, ndyn, o)) {
		w->err = -ENOMEM;
		return 1;
	}
	return 0;
}

/* Whether o is what a DT_NEEDED name asks for: its soname, or the file
 * name of an object that has none. */
static bool names(const struct object *o, const char *name)
{
	const char *base = strrchr(o->path, '/');

	if (o->soname)
		return strcmp(o->soname, name) == 0;
	return strcmp(base ? base + 1 : o->path, name) == 0;
}

/*
 * Marks what the program links: the program itself (always first), the
 * vdso and the dynamic loader (found by the addresses the kernel gave,
 * AT_SYSINFO_EHDR and AT_BASE), then every object a marked one names in
 * DT_NEEDED, until nothing changes.  One object per name, the first the
 * loader mapped: a second object with the same soname stays foreign.
 */
static void mark_expected(struct walk *w)
{
	uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	uintptr_t interp = (uintptr_t)getauxval(AT_BASE);
	bool changed = true;
	size_t i, k, m;

	/* AT_BASE is 0 in a static program (no interpreter). */
	for (i = 0; i < w->n; i++)
		w->objs[i].expected = i == 0 || (w->objs[i].ehdr &&
			((vdso && w->objs[i].ehdr == vdso) ||
			 (interp && w->objs[i].ehdr == interp)));
	while (changed) {
		changed = false;
		for (i = 0; i < w->n; i++) {
			if (!w->objs[i].expected)
				continue;
			for (k = 0; k < w->objs[i].nneeded; k++) {
				const char *name = w->objs[i].needed[k];
				size_t first = w->n;

				for (m = 0; m < w->n; m++) {
					if (!names(&w->objs[m], name))
						continue;
					if (w->objs[m].expected)
						break;
					if (first == w->n)
						first = m;
				}
				if (m == w->n && first < w->n) {
					w->objs[first].expected = true;
					changed = true;
				}
			}
		}
	}
}

/* Whether NAME=... of environ is one of the watched variables. */
static bool is_watched(const char *entry, size_t namelen)
{
	size_t i, n;

	for (i = 0; watched[i]; i++) {
		n = strlen(watched[i]);
		if (watched[i][n - 1] == '_' ? namelen >= n && memcmp(entry, watched[i], n) == 0
					     : namelen == n && memcmp(entry, watched[i], n) == 0)
			return true;
	}
	return false;
}

/* The watched variables of environ, copied.  0 or -ENOMEM. */
static int scan_environ(struct selfcheck *s)
{
	size_t i, n = 0;
	char **e;

	for (e = environ; e && *e; e++)
		n++;
	for (i = 0; i < n; i++) {
		const char *entry = environ[i], *eq = strchr(entry, '=');
		struct selfcheck_var *v;

		if (!eq || !is_watched(entry, (size_t)(eq - entry)))
			continue;
		if (!s->env) {
			s->env = calloc(n, sizeof(*s->env));
			if (!s->env)
				return -ENOMEM;
		}
		v = &s->env[s->nenv];
		v->name = strndup(entry, (size_t)(eq - entry));
		v->value = strdup(eq + 1);
		if (!v->name || !v->value) {
			free(v->name);
			free(v->value);
			return -ENOMEM;
		}
		s->nenv++;
	}
	return 0;
}

int selfcheck_run(struct selfcheck *s)
{
	struct walk w = { NULL, 0, 0, false, 0 };
	size_t i;
	int r;

	dl_iterate_phdr(visit, &w);
	r = w.err;
	if (r)
		goto out;
	s->is_static = !w.interp;
	s->nobjects = w.n;
	mark_expected(&w);
	for (i = 0; i < w.n; i++) {
		if (w.objs[i].expected)
			continue;
		if (!s->foreign) {
			s->foreign = calloc(w.n, sizeof(*s->foreign));
			if (!s->foreign) {
				r = -ENOMEM;
				goto out;
			}
		}
		/* Taken over: no longer the walk's to free. */
		s->foreign[s->nforeign++] = w.objs[i].path;
		w.objs[i].path = NULL;
	}
	r = scan_environ(s);
out:
	for (i = 0; i < w.n; i++) {
		free(w.objs[i].path);
		free(w.objs[i].needed);
	}
	free(w.objs);
	return r;
}

void selfcheck_free(struct selfcheck *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nforeign; i++)
		free(s->foreign[i]);
	free(s->foreign);
	for (i = 0; i < s->nenv; i++) {
		free(s->env[i].name);
		free(s->env[i].value);
	}
	free(s->env);
	memset(s, 0, sizeof(*s));
}

void selfcheck_json(const struct selfcheck *s, struct jsonw *j, const char *key)
{
	size_t i;

	jsonw_open(j, key);
	jsonw_str(j, "linked", s->is_static ? "static" : "dynamic");
	jsonw_aopen(j, "foreign_objects");
	for (i = 0; i < s->nforeign; i++) {
		jsonw_open(j, NULL);
		jsonw_str(j, "path", s->foreign[i]);
		jsonw_close(j);
	}
	jsonw_aclose(j);
	jsonw_aopen(j, "environment");
	for (i = 0; i < s->nenv; i++) {
		jsonw_open(j, NULL);
		jsonw_str(j, "name", s->env[i].name);
		jsonw_str(j, "value", s->env[i].value);
		jsonw_close(j);
	}
	jsonw_aclose(j);
	jsonw_close(j);
}
