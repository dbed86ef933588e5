/*
 * tests/testlib.c - helpers the CUnit suites share that need more than
 * test.h's inline ones: loading scenario text through a temporary file.
 *
 * Called by the world-level suites (models, packet, replay, ha_prop,
 * check_prop), from once per test up to once per random schedule (10^4 in
 * a property suite), so it keeps to one small file per call.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tests/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scenario.h"

/*
 * Load scenario <text> with the <nsets> overrides of <sets> (NULL when 0),
 * as `lbsim run` would load a file: the text is written to a fresh file in
 * $TMPDIR (/tmp when unset), loaded, and the file is unlinked on every path.
 * Returns the scenario, owned by the caller (scenario_free). Returns NULL
 * when the file cannot be written or the text does not load; the reason is
 * printed on stderr, and for a load error the text after it, so a failing
 * test shows what it fed the parser.
 */
struct scenario *test_scenario_text(const char *text, const struct scn_set *sets, size_t nsets)
{
	const char *dir = getenv("TMPDIR");
	struct scenario *scn = NULL;
	char path[4096], err[512];
	bool written;
	FILE *f;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/lbsim-test-XXXXXX", dir) >= sizeof(path)) {
		fprintf(stderr, "\nTMPDIR too long: %s\n", dir);
		return NULL;
	}
	fd = mkstemp(path);
	if (fd == -1) {
		fprintf(stderr, "\n%s: %s\n", path, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "\n%s: %s\n", path, strerror(errno));
		close(fd);
		goto out_unlink;
	}
	written = fputs(text, f) != EOF;
	if (fclose(f) == EOF || !written) {
		fprintf(stderr, "\n%s: cannot write the scenario\n", path);
		goto out_unlink;
	}
	if (scenario_load(path, sets, nsets, &scn, err, sizeof(err)))
		fprintf(stderr, "\n%s\n%s", err, text);
out_unlink:
	unlink(path);
	return scn;
}
