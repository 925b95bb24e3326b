/* watchview: how the events of snapread watch are shown — one escaped text line, or one JSON object. */
#ifndef PROCSNAP_WATCHVIEW_H
#define PROCSNAP_WATCHVIEW_H

#include "buf.h"
#include "watch.h"

/*
 * Text, one line per event: the time of day (UTC) the snapshot was
 * taken, the pid, the name, then what happened:
 *   13:02:07    4242 tarsnap         fd 5r /home/u/photos/0412.jpg 3.1 MiB/7.9 MiB (39%) +1.2 MiB/s
 *   13:02:08    4242 tarsnap         fd 5r finished /home/u/photos/0412.jpg (7.9 MiB)
 *   13:02:08    4242 tarsnap         fd 5r now /home/u/photos/0413.jpg 0.4 MiB/2.0 MiB (20%)
 *   13:02:09    4242 tarsnap         summary: read 31.0 MiB, wrote 0 B in 12.0 s (/proc/PID/io) ...
 * Every byte from the archive goes through escape_text().  Sizes are in
 * B, KiB, MiB, GiB (powers of 1024).  Each function appends to out and
 * returns buf_error(out).
 */
int watchview_header_text(struct buf *out, const struct watch *w);
int watchview_text(struct buf *out, const struct watch_event *e);

/* JSON: one object per event, docs/schema/watch.json. */
int watchview_json(struct buf *out, const struct watch_event *e);

/* n bytes as "3.1 MiB" (B below 1 KiB: "512 B"). */
void watchview_size(struct buf *out, double n);

#endif
