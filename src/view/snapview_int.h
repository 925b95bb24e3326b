/* snapview_int: what the view files (src/view/snapview*.c) share: record values into JSON. */
#ifndef PROCSNAP_SNAPVIEW_INT_H
#define PROCSNAP_SNAPVIEW_INT_H

#include <jansson.h>

#include "jsonw.h"
#include "snapview.h"

/*
 * The views are five files; the others call only snapview.c:
 *   snapview.c        primitives: a value as text, a number, indentation,
 *                     errors, archive JSON re-written, and the three below
 *   snapview_proc.c   a process: ps line, ps --json object, filters
 *   snapview_fd.c     an fd: fds line, fds --json object, sockets, notes
 *   snapview_tree.c   the process tree of ps --tree
 *   snapview_maps.c   the summary of /proc/PID/maps
 */

/* obj[key] written as outkey: its exact bytes (jsonw_bytes, with KEY_b64
 * when not clean UTF-8), or null when absent. */
void snapview_put_bytes(struct jsonw *w, const json_t *obj, const char *key,
			const char *outkey);
/* obj[key] as an integer, or null. */
void snapview_put_int(struct jsonw *w, const json_t *obj, const char *key,
		      const char *outkey);
/* obj[key] as a boolean; nothing when it is not one. */
void snapview_put_bool(struct jsonw *w, const json_t *obj, const char *key,
		       const char *outkey);

#endif
