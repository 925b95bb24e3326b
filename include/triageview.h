/* triageview: how triage findings are shown — text sorted by severity, or JSON Lines in the one schema (docs/schema/triage.json). */
#ifndef PROCSNAP_TRIAGEVIEW_H
#define PROCSNAP_TRIAGEVIEW_H

#include "buf.h"
#include "triage.h"

/*
 * Text: a header, then two lines per finding — SEVERITY, ATT&CK, RULE,
 * PID, COMMAND and what was seen; then its evidence (fd, mapping,
 * socket, path, sha256, member, and the allowlist entry when suppressed)
 * — then a footer: the counts, and every process some rules could not be
 * decided for, with what was missing.  Every byte from the archive goes
 * through escape_text().
 *
 * JSON: one object a line: each finding {"object": "finding", ...}, each
 * unknown {"object": "unknown", ...}, and last {"object": "summary", ...}.
 *
 * Each function appends to out and returns buf_error(out).
 */
const char *triageview_header(void);
int triageview_finding_text(struct buf *out, const struct triage_finding *f);
int triageview_finding_json(struct buf *out, const struct triage_finding *f);
/* The footer: counts (what --min-severity left out and --all would show
 * said too), then the unknowns. */
int triageview_footer_text(struct buf *out, const struct triage *t, size_t shown, bool all);
int triageview_unknown_json(struct buf *out, const struct triage_unknown *u);
int triageview_summary_json(struct buf *out, const struct triage *t);
/* The rule table, for --list-rules: ID, SEVERITY, ATT&CK, what it flags. */
int triageview_rules_text(struct buf *out);

#endif
