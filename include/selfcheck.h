/* selfcheck: is procsnap running only its own code?  Foreign objects mapped into it, loader variables in its environment. */
#ifndef PROCSNAP_SELFCHECK_H
#define PROCSNAP_SELFCHECK_H

#include <stdbool.h>
#include <stddef.h>

struct jsonw;

/*
 * A dynamically linked procsnap runs whatever the suspect host's loader
 * puts in front of its libraries: LD_PRELOAD, /etc/ld.so.preload, LD_AUDIT
 * modules, a library found first through LD_LIBRARY_PATH.  selfcheck_run
 * lists the objects mapped into this process (dl_iterate_phdr) and keeps
 * those that are none of its link-time dependencies: the program, the vdso,
 * the dynamic loader, and every object named by a DT_NEEDED of one of them,
 * read from the loaded objects' own dynamic sections.  Code that hooks
 * dl_iterate_phdr can hide from this: a clean result from a dynamic build
 * is not proof of a clean host (procsnap-static loads nothing).
 *
 * Everything here is owned by the struct; selfcheck_free releases it.
 */
struct selfcheck_var {
	char *name, *value;       /* copies of one NAME=VALUE of environ */
};

struct selfcheck {
	bool is_static;           /* the program has no PT_INTERP: no loader ran */
	size_t nobjects;          /* objects mapped, the program and vdso included */
	char **foreign;           /* paths of the objects that are none of the above */
	size_t nforeign;
	struct selfcheck_var *env; /* loader and injection variables set, in environ order */
	size_t nenv;
};
#define SELFCHECK_INIT { false, 0, NULL, 0, NULL, 0 }

/* Fills s (which must be SELFCHECK_INIT or freed).  0, or -ENOMEM. */
int selfcheck_run(struct selfcheck *s);
void selfcheck_free(struct selfcheck *s);

/* host.json's "self_check" object (key given), from s. */
void selfcheck_json(const struct selfcheck *s, struct jsonw *j, const char *key);

#endif
