/* cmd_triage: snapread triage — what looks wrong in a snapshot, each finding with its evidence, sorted by severity. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "triage.h"
#include "triageview.h"

static const char usage[] =
"usage: snapread triage [--json] [--min-severity SEV] [--fail-on SEV] [--all]\n"
"                       [--ioc FILE] [--yara RULES] [--allow FILE]...\n"
"                       [--no-default-allow] SNAP\n"
"       snapread triage --list-rules | --print-allowlist\n"
"What looks wrong in the snapshot: each finding a rule id, a severity (high,\n"
"medium, low), its MITRE ATT&CK technique, the pid (and fd, mapping or\n"
"socket), one line saying what was seen, and the evidence (path, sha256,\n"
"member).  Highest severity first.  Then what could not be decided, and\n"
"why: a rule that needs what a process's records lack is not decided for\n"
"it (never clean).  The rules, their ids and the allowlist: docs/TRIAGE.md.\n"
"\n"
"  --min-severity SEV  show only findings of SEV (low, medium, high) or above\n"
"  --fail-on SEV       exit 1 when a finding of SEV or above is not\n"
"                      suppressed (default high; none: never)\n"
"  --all               also show the findings the allowlist suppressed\n"
"  --ioc FILE          SHA-256 hashes, one a line (# comments): flag every\n"
"                      executable, library or recovered file listed\n"
"  --yara RULES        scan every recovered file and captured memory region\n"
"                      with these YARA rules\n"
"  --allow FILE        an allowlist of one's own, besides the built-in one\n"
"                      (repeatable; docs/triage-allow.conf's format)\n"
"  --no-default-allow  leave out the built-in allowlist\n"
"  --list-rules        the rules: id, severity, ATT&CK, what each flags\n"
"  --print-allowlist   the built-in allowlist\n"
"  --json              one JSON object a line (docs/schema/triage.json):\n"
"                      each finding, each unknown, then a summary\n"
"  --help              this help\n"
"Exit status: 0 no finding at or above --fail-on, 1 one or more, 2 trouble.\n";

struct options {
	struct triage_opts t;
	const char **allow;
	enum triage_severity min;
	enum triage_severity fail_on;  /* 0: never */
	bool json, all, list_rules, print_allow;
};

static int severity(const char *s, const char *opt, enum triage_severity *out, bool none)
{
	if (none && strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (triage_severity_parse(s, out))
		return cmd_usage_error("%s: '%s' is not a severity (low, medium, high%s)", opt,
				       cmd_path(s), none ? ", none" : "");
	return 0;
}

static int add_allow(struct options *o, const char *path)
{
	const char **v = realloc(o->allow, (o->t.nallow + 1) * sizeof(*v));

	if (!v) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	o->allow = v;
	v[o->t.nallow++] = path;
	o->t.allow_paths = v;
	return 0;
}

/* The options into o: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct options *o)
{
	enum { OPT_JSON = 256, OPT_MIN, OPT_FAIL, OPT_ALL, OPT_IOC, OPT_YARA, OPT_ALLOW,
	       OPT_NO_ALLOW, OPT_LIST, OPT_PRINT, OPT_HELP };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "min-severity", required_argument, NULL, OPT_MIN },
		{ "fail-on", required_argument, NULL, OPT_FAIL },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "ioc", required_argument, NULL, OPT_IOC },
		{ "yara", required_argument, NULL, OPT_YARA },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "no-default-allow", no_argument, NULL, OPT_NO_ALLOW },
		{ "list-rules", no_argument, NULL, OPT_LIST },
		{ "print-allowlist", no_argument, NULL, OPT_PRINT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	int opt;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_JSON: o->json = true; break;
		case OPT_ALL: o->all = true; break;
		case OPT_IOC: o->t.ioc_path = optarg; break;
		case OPT_YARA: o->t.yara_path = optarg; break;
		case OPT_NO_ALLOW: o->t.no_default_allow = true; break;
		case OPT_LIST: o->list_rules = true; break;
		case OPT_PRINT: o->print_allow = true; break;
		case OPT_HELP: help = true; break;
		case OPT_MIN:
			if (severity(optarg, "--min-severity", &o->min, false))
				return CMD_TROUBLE;
			break;
		case OPT_FAIL:
			if (severity(optarg, "--fail-on", &o->fail_on, true))
				return CMD_TROUBLE;
			break;
		case OPT_ALLOW:
			if (add_allow(o, optarg))
				return CMD_TROUBLE;
			break;
		default:
			return CMD_TROUBLE;
		}
	}
	if (!help && (o->list_rules || o->print_allow))
		return cmd_operands(argc, argv, 0, false, usage);
	return cmd_operands(argc, argv, 1, help, usage);
}

static bool shown(const struct options *o, const struct triage_finding *f)
{
	return f->severity >= o->min && (!f->suppressed || o->all);
}

/* The findings, unknowns and summary: the exit status. */
static int report(const struct options *o, const struct triage *t)
{
	struct buf out = BUF_INIT;
	const struct triage_finding *f;
	bool failed = false;
	size_t i, n = 0;
	int w = 0;

	if (!o->json)
		buf_puts(&out, triageview_header());
	for (i = 0; (f = triage_finding(t, i)) != NULL && !w; i++) {
		if (o->fail_on && !f->suppressed && f->severity >= o->fail_on)
			failed = true;
		if (!shown(o, f))
			continue;
		n++;
		w = o->json ? triageview_finding_json(&out, f) : triageview_finding_text(&out, f);
		if (!w)
			w = cmd_flush(&out);
	}
	for (i = 0; o->json && !w && i < triage_unknown_count(t); i++)
		w = triageview_unknown_json(&out, triage_unknown(t, i));
	if (!w)
		w = o->json ? triageview_summary_json(&out, t) :
			      triageview_footer_text(&out, t, n, o->all);
	if (!w)
		w = cmd_flush(&out);
	buf_free(&out);
	if (w) {
		cmd_error("standard output: %s", strerror(-w));
		return CMD_TROUBLE;
	}
	return cmd_finish_output(failed ? CMD_FAILED : CMD_OK);
}

static int listing(const struct options *o)
{
	struct buf out = BUF_INIT;
	int w;

	if (o->list_rules)
		triageview_rules_text(&out);
	else
		buf_puts(&out, triage_default_allowlist());
	w = buf_error(&out) ? buf_error(&out) : cmd_flush(&out);
	buf_free(&out);
	if (w) {
		cmd_error("standard output: %s", strerror(-w));
		return CMD_TROUBLE;
	}
	return cmd_finish_output(CMD_OK);
}

int cmd_triage(int argc, char **argv)
{
	struct options o = { .min = TRIAGE_LOW, .fail_on = TRIAGE_HIGH };
	struct triage *t = NULL;
	int rc = parse(argc, argv, &o);

	if (rc >= 0)
		goto out;
	if (o.list_rules || o.print_allow) {
		rc = listing(&o);
		goto out;
	}
	if (triage_open(&t, &o.t)) {
		cmd_error("%s", triage_error(t));
		rc = CMD_TROUBLE;
		goto out;
	}
	if (triage_run(t, argv[optind])) {
		/* What was read is shown, even when the archive then turns out bad. */
		report(&o, t);
		cmd_error("%s: %s", cmd_path(argv[optind]), triage_error(t));
		rc = CMD_TROUBLE;
		goto out;
	}
	rc = report(&o, t);
out:
	triage_free(t);
	free(o.allow);
	return rc;
}
