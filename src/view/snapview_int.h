/* snapview_int: what the view files (src/view/snapview*.c) share: record values into JSON. */
#ifndef PROCSNAP_SNAPVIEW_INT_H
#define PROCSNAP_SNAPVIEW_INT_H

#include <jansson.h>

#include "examined.h"
#include "jsonw.h"
#include "snapview.h"

/*
 * The views are these files; the others call only snapview.c and
 * snapview_record.c (which calls only snapview.c):
 *   snapview.c        primitives: a value as text, a number, indentation,
 *                     errors, archive JSON re-written, and the three below
 *   snapview_record.c the records in the one schema of --json (docs/schema)
 *   snapview_proc.c   a process: ps line, ps --json object, filters
 *   snapview_fd.c     an fd, or another object of fds: its line, its
 *                     --json object, sockets, notes
 *   snapview_tree.c   the process tree of ps --tree
 *   snapview_maps.c   the summary of /proc/PID/maps
 *   snapview_mem.c    the captured memory regions of show
 *   triageview.c      triage's findings (include/triageview.h)
 */

/* Text columns: pad with spaces to width from start; s or v right-aligned
 * in width (as printf's %*s, %*d, without its cost). */
void snapview_pad(struct buf *out, size_t start, size_t width);
void snapview_right(struct buf *out, int width, const char *s);
void snapview_int(struct buf *out, int width, int64_t v);

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

/*
 * The archive's records written field by field in the one schema
 * (docs/schema/): a known key of the wrong type is left out, an
 * unknown one re-encoded (snapview_json).  process and fd write their
 * fields into an object the caller opened; link and mapping too, without
 * the names an fds row adds itself (object, pid, command, euid, ...).
 * error and content write a whole object as member key (NULL in an array).
 */
void snapview_record_process(struct jsonw *w, const json_t *proc);
/* full: every key; else without stat and fdinfo (fds --json). */
void snapview_record_fd(struct jsonw *w, const json_t *fd, bool full);
void snapview_record_link(struct jsonw *w, const json_t *link);
void snapview_record_mapping(struct jsonw *w, const json_t *m);
void snapview_record_error(struct jsonw *w, const char *key, const json_t *e);
void snapview_record_content(struct jsonw *w, const char *key, const json_t *c);
/* An fd's socket record; a mapping (a mapped_deleted entry, every key),
 * each a whole object as member key (triage's evidence). */
void snapview_record_socket(struct jsonw *w, const char *key, const json_t *sk);
void snapview_record_map(struct jsonw *w, const char *key, const json_t *m);
/* A captured memory region's record (process.json memory), every key. */
void snapview_record_region(struct jsonw *w, const char *key, const json_t *r);
/* "unexamined": [{"part", "what", "errno", "reason"}...] for gaps g[0..n). */
void snapview_unexamined(struct jsonw *w, const struct examined_gap *g, size_t n);

#endif
