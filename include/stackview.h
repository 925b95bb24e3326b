/* stackview: how stack's records are shown — one escaped text line, or one JSON object (docs/schema/stack.json). */
#ifndef PROCSNAP_STACKVIEW_H
#define PROCSNAP_STACKVIEW_H

#include "buf.h"
#include "stack.h"

/*
 * Every byte that came from a host goes through escape_text() (text) or
 * jsonw_bytes() (JSON, with KEY_b64 for bytes that are not clean UTF-8).
 * hosts is stack_hosts()'s array, to name a record's hosts.  Each
 * function appends to out and returns buf_error(out).
 */

/* The text header line. */
const char *stackview_header(void);
/* HOSTS KIND WHAT ... on: HOST, HOST (+N more). */
int stackview_text(struct buf *out, const struct stack_record *r,
		   const struct stack_host *hosts);
/* {"kind": KIND, "host_count", "hosts", "hosts_omitted", then the key's
 * fields}, a line. */
int stackview_json(struct buf *out, const struct stack_record *r,
		   const struct stack_host *hosts);
/* {"kind": "host", "host": LABEL, "hostname", "boot_id", "snapshots",
 * "processes", "unexamined"}, a line. */
int stackview_host_json(struct buf *out, const struct stack_host *h);
/* {"kind": "unreadable", "path", "host", "error", "complete"}, a line. */
int stackview_snap_json(struct buf *out, const struct stack_snap *v,
			const struct stack_host *hosts);

#endif
