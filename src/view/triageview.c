/* triageview: how triage findings are shown — text lines sorted by severity, or JSON Lines in the one schema (docs/schema/triage.json). */
#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"
#include "triageview.h"

/* Columns of a finding's first line. */
#define W_SEV 9
#define W_ATTACK 11
#define W_RULE 20
#define W_PID 7
#define W_COMMAND 16
#define EVIDENCE_INDENT "          "

const char *triageview_header(void)
{
	return "SEVERITY ATT&CK     RULE                    PID COMMAND          WHAT\n";
}

static void text_bytes(struct buf *out, const struct buf *b)
{
	escape_text(out, b->data ? b->data : "", b->len);
}

/* The second line: what a responder looks at next. */
static void evidence_text(struct buf *out, const struct triage_finding *f)
{
	size_t start = out->len;
	const char *sep = "";

	buf_puts(out, EVIDENCE_INDENT "evidence:");
#define NEXT() (buf_puts(out, sep), sep = ",")
	if (f->fd >= 0) {
		NEXT();
		buf_printf(out, " fd %d", f->fd);
		if (f->tid)
			buf_printf(out, " (thread %d's table)", f->tid);
	}
	if (f->other_pid) {
		NEXT();
		buf_printf(out, " %s %d", f->other_role ? f->other_role : "pid", f->other_pid);
	}
	if (f->path.len) {
		NEXT();
		buf_puts(out, " path ");
		text_bytes(out, &f->path);
	}
	if (f->sha256[0]) {
		NEXT();
		buf_printf(out, " sha256 %s", f->sha256);
	}
	if (f->member) {
		NEXT();
		buf_puts(out, " member ");
		escape_text(out, f->member, strlen(f->member));
	}
	if (f->suppressed) {
		NEXT();
		buf_puts(out, " suppressed by ");
		escape_text(out, f->allowed_by, strlen(f->allowed_by));
	}
#undef NEXT
	if (!*sep)
		out->len = start;
	else
		buf_putc(out, '\n');
}

int triageview_finding_text(struct buf *out, const struct triage_finding *f)
{
	size_t start = out->len;

	buf_puts(out, triage_severity_name(f->severity));
	snapview_pad(out, start, W_SEV);
	buf_puts(out, f->attack ? f->attack : "-");
	snapview_pad(out, start, W_SEV + W_ATTACK);
	buf_puts(out, f->rule->id);
	buf_putc(out, ' ');
	snapview_pad(out, start, W_SEV + W_ATTACK + W_RULE);
	if (f->pid)
		snapview_int(out, W_PID, f->pid);
	else
		snapview_right(out, W_PID, "-");
	buf_putc(out, ' ');
	if (f->pid)
		text_bytes(out, &f->command);
	else
		buf_puts(out, "(host)");
	buf_putc(out, ' ');
	snapview_pad(out, start, W_SEV + W_ATTACK + W_RULE + W_PID + 1 + W_COMMAND);
	text_bytes(out, &f->what);
	buf_putc(out, '\n');
	evidence_text(out, f);
	return buf_error(out);
}

/* "3 rules: a, b, c" (at most six named). */
static void rules_text(struct buf *out, uint64_t rules)
{
	unsigned n = 0, named = 0;
	size_t i;

	for (i = 0; i < 64; i++)
		n += (rules >> i) & 1;
	buf_printf(out, "%u rule%s: ", n, n == 1 ? "" : "s");
	for (i = 0; i < 64 && triage_rule_at(i); i++) {
		if (!((rules >> i) & 1))
			continue;
		if (named++ == 6) {
			buf_puts(out, ", ...");
			break;
		}
		buf_printf(out, "%s%s", named > 1 ? ", " : "", triage_rule_at(i)->id);
	}
}

static void missing_text(struct buf *out, const json_t *missing)
{
	const json_t *e;
	size_t i;

	json_array_foreach(missing, i, e) {
		if (i)
			buf_puts(out, "; ");
		snapview_text(out, e, "part", "?");
		/* "process (hidden, EXDEV)", not "process process ...". */
		if (json_object_get(e, "what") &&
		    !json_equal(json_object_get(e, "what"), json_object_get(e, "part"))) {
			buf_putc(out, ' ');
			snapview_text(out, e, "what", "?");
		}
		if (json_object_get(e, "reason") || json_object_get(e, "errno")) {
			buf_puts(out, " (");
			snapview_text(out, e, "reason", "");
			if (json_object_get(e, "errno")) {
				buf_puts(out, json_object_get(e, "reason") ? ", " : "");
				snapview_text(out, e, "errno", "");
			}
			buf_putc(out, ')');
		}
	}
}

static void counts_text(struct buf *out, const struct triage_stats *st)
{
	uint64_t all = st->findings[TRIAGE_HIGH] + st->findings[TRIAGE_MEDIUM] +
		       st->findings[TRIAGE_LOW];

	buf_printf(out, "%" PRIu64 " finding%s: %" PRIu64 " high, %" PRIu64 " medium, %" PRIu64
		   " low", all, all == 1 ? "" : "s", st->findings[TRIAGE_HIGH],
		   st->findings[TRIAGE_MEDIUM], st->findings[TRIAGE_LOW]);
}

int triageview_footer_text(struct buf *out, const struct triage *t, size_t shown, bool all)
{
	const struct triage_stats *st = triage_stats(t);
	uint64_t listed = st->findings[1] + st->findings[2] + st->findings[3] +
			  (all ? st->suppressed : 0);
	size_t i, n = triage_unknown_count(t);

	buf_putc(out, '\n');
	counts_text(out, st);
	buf_printf(out, " in %" PRIu64 " process%s", st->processes,
		   st->processes == 1 ? "" : "es");
	if (st->suppressed)
		buf_printf(out, "; %" PRIu64 " suppressed by the allowlist%s", st->suppressed,
			   all ? "" : " (--all shows them)");
	if (shown < listed)
		buf_printf(out, "; %" PRIu64 " below --min-severity not shown",
			   listed - (uint64_t)shown);
	buf_putc(out, '\n');
	if (st->ioc_hashes)
		buf_printf(out, "ioc: %" PRIu64 " hashes listed; %" PRIu64 " executables, libraries "
			   "and recovered files looked up, %" PRIu64 " executables not hashed\n",
			   st->ioc_hashes, st->hashes_checked, st->exec_unhashed);
	if (st->scanned)
		buf_printf(out, "yara: %" PRIu64 " of %" PRIu64 " recovered files scanned, %" PRIu64
			   " could not be (not decided)\n", st->scanned, st->contents, st->scan_failed);
	if (st->regions || st->regions_partial) {
		buf_printf(out, "memory: %" PRIu64 " captured region%s examined", st->regions,
			   st->regions == 1 ? "" : "s");
		if (st->regions_scanned || st->regions_scan_failed)
			buf_printf(out, ", %" PRIu64 " scanned with yara, %" PRIu64 " could not be",
				   st->regions_scanned, st->regions_scan_failed);
		if (st->regions_partial)
			buf_printf(out, "; %" PRIu64 " region%s not captured whole (not decided "
				   "there)", st->regions_partial, st->regions_partial == 1 ? "" : "s");
		buf_putc(out, '\n');
	}
	if (!n)
		return buf_error(out);
	buf_printf(out, "not decided (unknown, never clean): %zu %s the rules needed "
		   "could not be examined\n", n, n == 1 ? "record in which what" :
		   "records in which what");
	for (i = 0; i < n; i++) {
		const struct triage_unknown *u = triage_unknown(t, i);
		size_t start = out->len;

		if (u->pid)
			snapview_int(out, W_PID, u->pid);
		else
			snapview_right(out, W_PID, "-");
		buf_putc(out, ' ');
		if (u->pid)
			text_bytes(out, &u->command);
		else
			buf_puts(out, "(host)");
		buf_putc(out, ' ');
		snapview_pad(out, start, W_PID + 1 + W_COMMAND);
		missing_text(out, u->missing);
		buf_puts(out, ": ");
		rules_text(out, u->rules);
		buf_putc(out, '\n');
	}
	return buf_error(out);
}

/* ---- JSON ---- */

static void json_bytes(struct jsonw *w, const char *key, const struct buf *b)
{
	jsonw_bytes(w, key, b->data ? b->data : "", b->len);
}

static void evidence_json(struct jsonw *w, const struct triage_finding *f)
{
	jsonw_open(w, "evidence");
	jsonw_str(w, "object", f->object);
	if (f->path.len)
		json_bytes(w, "path", &f->path);
	if (f->sha256[0])
		jsonw_str(w, "sha256", f->sha256);
	if (f->member)
		jsonw_bytes(w, "member", f->member, strlen(f->member));
	if (f->name)
		jsonw_bytes(w, "name", f->name, strlen(f->name));
	if (f->mapping)
		snapview_record_map(w, "mapping", f->mapping);
	if (f->socket)
		snapview_record_socket(w, "socket", f->socket);
	if (f->content)
		snapview_record_content(w, "content", f->content);
	if (f->region)
		snapview_record_region(w, "region", f->region);
	jsonw_close(w);
}

int triageview_finding_json(struct buf *out, const struct triage_finding *f)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "object", "finding");
	jsonw_str(&w, "rule", f->rule->id);
	jsonw_str(&w, "severity", triage_severity_name(f->severity));
	if (f->attack)
		jsonw_str(&w, "attack", f->attack);
	else
		jsonw_null(&w, "attack");
	if (f->pid) {
		jsonw_int(&w, "pid", f->pid);
		if (f->start_time[0])
			jsonw_str(&w, "start_time", f->start_time);
		json_bytes(&w, "command", &f->command);
		if (f->has_euid)
			jsonw_int(&w, "euid", f->euid);
		if (f->exe.len)
			json_bytes(&w, "exe", &f->exe);
	} else {
		jsonw_null(&w, "pid");
	}
	if (f->fd >= 0)
		jsonw_int(&w, "fd", f->fd);
	if (f->tid)
		jsonw_int(&w, "tid", f->tid);
	if (f->other_pid && f->other_role)
		jsonw_int(&w, f->other_role, f->other_pid);
	json_bytes(&w, "what", &f->what);
	evidence_json(&w, f);
	if (f->suppressed) {
		jsonw_bool(&w, "suppressed", true);
		jsonw_str(&w, "allowed_by", f->allowed_by);
	}
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int triageview_unknown_json(struct buf *out, const struct triage_unknown *u)
{
	struct jsonw w;
	size_t i;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "object", "unknown");
	if (u->pid) {
		jsonw_int(&w, "pid", u->pid);
		if (u->start_time[0])
			jsonw_str(&w, "start_time", u->start_time);
		json_bytes(&w, "command", &u->command);
	} else {
		jsonw_null(&w, "pid");
	}
	snapview_json(&w, "missing", u->missing);
	jsonw_aopen(&w, "rules");
	for (i = 0; i < 64 && triage_rule_at(i); i++)
		if ((u->rules >> i) & 1)
			jsonw_str(&w, NULL, triage_rule_at(i)->id);
	jsonw_aclose(&w);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int triageview_summary_json(struct buf *out, const struct triage *t)
{
	const struct triage_stats *st = triage_stats(t);
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "object", "summary");
	jsonw_uint(&w, "processes", st->processes);
	jsonw_open(&w, "findings");
	jsonw_uint(&w, "high", st->findings[TRIAGE_HIGH]);
	jsonw_uint(&w, "medium", st->findings[TRIAGE_MEDIUM]);
	jsonw_uint(&w, "low", st->findings[TRIAGE_LOW]);
	jsonw_close(&w);
	jsonw_uint(&w, "suppressed", st->suppressed);
	jsonw_uint(&w, "unknown", st->unknown);
	jsonw_uint(&w, "recovered_files", st->contents);
	jsonw_uint(&w, "yara_scanned", st->scanned);
	jsonw_uint(&w, "yara_failed", st->scan_failed);
	jsonw_uint(&w, "ioc_hashes", st->ioc_hashes);
	jsonw_uint(&w, "hashes_checked", st->hashes_checked);
	jsonw_uint(&w, "exec_unhashed", st->exec_unhashed);
	jsonw_uint(&w, "memory_regions", st->regions);
	jsonw_uint(&w, "memory_scanned", st->regions_scanned);
	jsonw_uint(&w, "memory_scan_failed", st->regions_scan_failed);
	jsonw_uint(&w, "memory_partial", st->regions_partial);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int triageview_rules_text(struct buf *out)
{
	const struct triage_rule_info *r;
	size_t i, start;

	buf_puts(out, "RULE                 SEVERITY ATT&CK     WHAT IT FLAGS\n");
	for (i = 0; (r = triage_rule_at(i)) != NULL; i++) {
		start = out->len;
		buf_puts(out, r->id);
		buf_putc(out, ' ');
		snapview_pad(out, start, 21);
		buf_puts(out, triage_severity_name(r->severity));
		snapview_pad(out, start, 30);
		buf_puts(out, r->attack ? r->attack : "-");
		buf_putc(out, ' ');
		snapview_pad(out, start, 41);
		buf_puts(out, r->title);
		buf_putc(out, '\n');
	}
	return buf_error(out);
}
