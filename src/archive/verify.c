/* verify: a whole archive checked against its manifest, in one streaming pass. */
#include <stdio.h>
#include <string.h>

#include "snapreader.h"
#include "verify.h"

const char *verify_problem_name(enum verify_problem p)
{
	switch (p) {
	case VERIFY_TAMPERED: return "tampered";
	case VERIFY_EXTRA: return "extra";
	case VERIFY_MISSING: return "missing";
	case VERIFY_DUPLICATE: return "duplicate";
	case VERIFY_BAD_MANIFEST: return "bad-manifest";
	case VERIFY_UNKNOWN: return "unknown";
	}
	return "unknown";
}

int verify_archive(const char *path, const struct verify_opts *vo,
		   struct verify_result *res)
{
	static const struct verify_opts none;
	struct snapreader_opts o;
	struct snapreader *r = NULL;
	int x;

	vo = vo ? vo : &none;
	o = (struct snapreader_opts){ .verify = true, .allow_unknown = true,
				      .problem = vo->problem, .arg = vo->arg, .stop = vo->stop,
				      .progress = vo->progress,
				      .progress_arg = vo->progress_arg };

	memset(res, 0, sizeof(*res));
	x = snapreader_open(&r, path, &o);
	if (!x)
		x = snapreader_finish(r);
	res->error = x;
	if (x)
		snprintf(res->message, sizeof(res->message), "%s", snapreader_error(r));
	if (r) {
		res->members = snapreader_members(r);
		res->problems = snapreader_problems(r);
		/* The custody hash is wanted even for a damaged archive. */
		if (snapreader_archive_sha256(r, res->sha256, &res->bytes))
			res->sha256[0] = '\0';
	}
	snapreader_free(r);
	res->ok = !x && !res->problems;
	return x && !snapreader_is_archive_error(x) ? x : 0;
}
