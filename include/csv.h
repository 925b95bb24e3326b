/* csv: writing RFC 4180 CSV into a buf — fields, numbers, the end of a record — with the guard against CSV injection. */
#ifndef PROCSNAP_CSV_H
#define PROCSNAP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * One writer for every --csv (ps, fds, timeline).  Records end in CRLF
 * (RFC 4180); a field is quoted when it holds a comma, a double quote, CR
 * or LF (quotes doubled), and may then span lines, as the RFC allows.
 *
 * Text fields are bytes from the host, or from an archive that came from
 * it: hostile.  A spreadsheet runs a cell that begins with =, +, - or @
 * (and, in some, a tab or CR) as a formula (CSV injection): such a field
 * is written with a leading apostrophe, '=cmd|..., quoted, as OWASP
 * advises; readers see the text, spreadsheets do not evaluate it.  The
 * exact bytes of a clean UTF-8 field are kept otherwise (newlines,
 * commas, quotes and all); NUL, other control bytes and bytes that are not
 * UTF-8 are written \xHH, as the text views write them.
 *
 * Numbers that snapread formats itself (csv_int) are never guarded: a
 * negative number is a number, not a formula.
 *
 * Each call appends to out; check buf_error() at the end.  first: the
 * field opens a record (no comma before it).
 */
void csv_text(struct buf *out, bool first, const void *p, size_t n);
/* A NUL-terminated text field (hostile, guarded as above). */
void csv_str(struct buf *out, bool first, const char *s);
void csv_int(struct buf *out, bool first, int64_t v);
/* An empty field: nothing recorded. */
void csv_empty(struct buf *out, bool first);
/* The end of a record. */
void csv_end(struct buf *out);

#endif
