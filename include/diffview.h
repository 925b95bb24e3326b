/* diffview: how diff change records are shown — escaped text lines, or JSON. */
#ifndef PROCSNAP_DIFFVIEW_H
#define PROCSNAP_DIFFVIEW_H

#include "buf.h"
#include "diff.h"
#include "jsonw.h"

/*
 * Text: one line per change, the value now first and what it was after
 * it ("uid now 0 0 0 0 (was 1000 1000 1000 1000)"): the newest evidence
 * first.  A process group opens with a line of its own:
 *   + PID NAME started ...     (a start; its new deleted files and
 *                               listening sockets follow, indented)
 *   - PID NAME exited ...
 *   ~ PID NAME (started ...)   (then its changes, indented)
 * Every byte from the archive goes through escape_text().  Each function
 * appends to out and returns buf_error(out).
 */
int diffview_group_text(struct buf *out, const struct diff_change *c);
int diffview_text(struct buf *out, const struct diff_change *c);
/* --summary: the counts, one "name  N" line each.  A boot_id change
 * gets a first line of its own in diffview_text(). */
int diffview_summary_text(struct buf *out, const struct diff_summary *s);

/*
 * JSON: a change as one object {"kind","field","fd"?,"change"?,"before",
 * "after"} (+"before_b64"/"after_b64" for bytes that are not clean
 * UTF-8).  kind: host, field, fd, deleted, socket, listen; change:
 * opened/closed/changed for fd kinds, appeared/gone/changed for sockets.
 */
int diffview_json(struct jsonw *w, const struct diff_change *c);
/* The fields that open a process's object: for a start or an exit its
 * summary, else pid, name, start_time. */
int diffview_group_json(struct jsonw *w, const struct diff_change *c);
/* The counts as members of the open object. */
void diffview_summary_json(struct jsonw *w, const struct diff_summary *s);

const char *diffview_kind_name(enum diff_kind k);

#endif
