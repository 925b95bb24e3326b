/* timelineview: a timeline's events written as a bodyfile (mactime), JSON Lines (Timesketch) or CSV. */
#ifndef PROCSNAP_TIMELINEVIEW_H
#define PROCSNAP_TIMELINEVIEW_H

#include "buf.h"
#include "timeline.h"

/*
 * bodyfile: The Sleuth Kit 3.x body format, one line per file state
 * (timeline_state()): MD5|name|inode|mode_as_string|UID|GID|size|atime|
 * mtime|ctime|crtime, times in whole seconds.  MD5 is always 0: the
 * snapshot holds SHA-256 digests only (jsonl and csv give them).  A
 * deleted file's name ends " (deleted)", as fls writes it; | % and bytes
 * that are not printable UTF-8 are written %XX, which mactime decodes.
 * A time not recorded (btime, mostly) is 0, the format's "none".
 *
 * jsonl and csv: one event per line or record, with the same fields in
 * the same order (timelineview_csv_header()); docs/schema/timeline.json.
 *
 * Each appends to out and returns buf_error(out).
 */
int timelineview_bodyfile(struct buf *out, const struct timeline *t,
			  const struct timeline_state *s);
int timelineview_jsonl(struct buf *out, const struct timeline *t,
		       const struct timeline_event *e);
const char *timelineview_csv_header(void);
int timelineview_csv(struct buf *out, const struct timeline *t,
		     const struct timeline_event *e);

#endif
