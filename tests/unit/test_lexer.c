/*
 * tests/unit/test_lexer.c - the keepalived.conf lexer: comments, quotes,
 * brace splitting, continuation lines, includes, brace errors, positions.
 *
 * Run by lbsim-test (suite "lexer"); reads tests/data/scenarios/lexer/.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "scenarios/lang/lexer.h"
#include "tests/test.h"

#define LEX_DIR TEST_DATA_DIR "/scenarios/lexer"

struct lexed {
	struct lexer *lx;
	struct lex_node root;
	char err[512];
	int ret;
};

static void lex_str(struct lexed *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	l->lx = lexer_new();
	l->ret = lexer_read_string(l->lx, "t", 1, text, &l->root, l->err, sizeof(l->err));
}

static void lex_path(struct lexed *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->lx = lexer_new();
	l->ret = lexer_read_file(l->lx, path, &l->root, l->err, sizeof(l->err));
}

static void lex_done(struct lexed *l)
{
	lex_node_fini(&l->root);
	lexer_free(l->lx);
}

/* Node <n>'s tokens joined by '|' ("a|b"), into buf. */
static const char *toks(const struct lex_node *n, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n->ntok && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? "|" : "", n->tok[i].text);
	return buf;
}

#define CHECK_TOKS(node, want)                                                                     \
	do {                                                                                       \
		char b_[256];                                                                      \
		toks((node), b_, sizeof(b_));                                                      \
		if (strcmp(b_, (want)))                                                            \
			fprintf(stderr, "\n%s:%d: tokens '%s', want '%s'\n", __FILE__, __LINE__,   \
				b_, (want));                                                       \
		CU_ASSERT_STRING_EQUAL(b_, (want));                                                \
	} while (0)

#define LEX_OK(l)                                                                                  \
	do {                                                                                       \
		if ((l)->ret)                                                                      \
			fprintf(stderr, "\n%s:%d: %s\n", __FILE__, __LINE__, (l)->err);            \
		CU_ASSERT_EQUAL_FATAL((l)->ret, 0);                                                \
	} while (0)

#define CHECK_ERR(l, want)                                                                         \
	do {                                                                                       \
		CU_ASSERT_EQUAL((l)->ret, -EINVAL);                                                \
		if (!strstr((l)->err, (want)))                                                     \
			fprintf(stderr, "\n%s:%d: error '%s' lacks '%s'\n", __FILE__, __LINE__,    \
				(l)->err, (want));                                                 \
		CU_ASSERT_PTR_NOT_NULL(strstr((l)->err, (want)));                                  \
	} while (0)

static void test_comments(void)
{
	struct lexed l;

	lex_str(&l, "a b # c d\n! whole line\n  d \"e # f ! g\" h!i\nx\\#y z#w\n\n");
	LEX_OK(&l);
	CU_ASSERT_EQUAL_FATAL(l.root.nkids, 3);
	CHECK_TOKS(&l.root.kids[0], "a|b");
	CHECK_TOKS(&l.root.kids[1], "d|e # f ! g|h");
	CU_ASSERT_TRUE(l.root.kids[1].tok[1].quoted);
	CU_ASSERT_FALSE(l.root.kids[1].tok[0].quoted);
	CHECK_TOKS(&l.root.kids[2], "x#y|z");
	lex_done(&l);
}

static void test_quotes(void)
{
	struct lexed l;

	lex_str(&l, "script \"/usr/bin/test -d /proc\"\nabc\"def ghi\" \"\"\n");
	LEX_OK(&l);
	CU_ASSERT_EQUAL_FATAL(l.root.nkids, 2);
	CHECK_TOKS(&l.root.kids[0], "script|/usr/bin/test -d /proc");
	CU_ASSERT_EQUAL(l.root.kids[1].ntok, 3);
	CHECK_TOKS(&l.root.kids[1], "abc|def ghi|");
	lex_done(&l);

	lex_str(&l, "ok\nbad \"never closed\n");
	CHECK_ERR(&l, "t:2:5: error: unterminated quoted string");
	lex_done(&l);
}

static void test_braces(void)
{
	struct lexed l;
	const struct lex_node *n;

	lex_str(&l, "vrrp_instance VI_1{\n state MASTER\n virtual_ipaddress {10.0.0.1}\n}\n"
		    "real_server 10.0.0.2 80\n{\n weight 3 }\na { b } c\nempty { }\n");
	LEX_OK(&l);
	CU_ASSERT_EQUAL_FATAL(l.root.nkids, 5);
	n = &l.root.kids[0];
	CHECK_TOKS(n, "vrrp_instance|VI_1");
	CU_ASSERT_TRUE(n->block);
	CU_ASSERT_EQUAL(n->open.line, 1);
	CU_ASSERT_EQUAL(n->open.col, 19);
	CU_ASSERT_EQUAL_FATAL(n->nkids, 2);
	CHECK_TOKS(&n->kids[0], "state|MASTER");
	CHECK_TOKS(&n->kids[1], "virtual_ipaddress");
	CU_ASSERT_EQUAL_FATAL(n->kids[1].nkids, 1);
	CHECK_TOKS(&n->kids[1].kids[0], "10.0.0.1");
	n = &l.root.kids[1];
	CHECK_TOKS(n, "real_server|10.0.0.2|80");
	CU_ASSERT_TRUE(n->block);
	CU_ASSERT_EQUAL(n->open.line, 6);
	CU_ASSERT_EQUAL_FATAL(n->nkids, 1);
	CHECK_TOKS(&n->kids[0], "weight|3");
	CHECK_TOKS(&l.root.kids[2], "a");
	CU_ASSERT_EQUAL_FATAL(l.root.kids[2].nkids, 1);
	CHECK_TOKS(&l.root.kids[2].kids[0], "b");
	CHECK_TOKS(&l.root.kids[3], "c");
	CU_ASSERT_FALSE(l.root.kids[3].block);
	CU_ASSERT_TRUE(l.root.kids[4].block);
	CU_ASSERT_EQUAL(l.root.kids[4].nkids, 0);
	lex_done(&l);

	lex_str(&l, "{ a }\n");
	CHECK_ERR(&l, "t:1:1: error: '{' without a keyword");
	lex_done(&l);
}

static void test_brace_errors(void)
{
	struct lexed l;

	lex_str(&l, "a {\n  b\n}\n  }\n");
	CHECK_ERR(&l, "t:4:3: error: Extra '}' found");
	lex_done(&l);

	lex_str(&l, "x 1\nouter {\n\tinner {\n\t}\n");
	CHECK_ERR(&l, "t:4:1: error: missing '}' for block opened at 2:7");
	lex_done(&l);
}

static void test_continuation_and_positions(void)
{
	struct lexed l;
	const struct lex_node *n;

	lex_str(&l, "a b \\\n\t c d\ne\\\nf\n@lb1 skipped line\n  g\t h\n");
	LEX_OK(&l);
	CU_ASSERT_EQUAL_FATAL(l.root.nkids, 3);
	n = &l.root.kids[0];
	CHECK_TOKS(n, "a|b|c|d");
	CU_ASSERT_EQUAL(n->tok[2].loc.line, 2);
	CU_ASSERT_EQUAL(n->tok[2].loc.col, 3);
	CHECK_TOKS(&l.root.kids[1], "e|f");
	n = &l.root.kids[2];
	CHECK_TOKS(n, "g|h");
	CU_ASSERT_EQUAL(n->tok[0].loc.line, 6);
	CU_ASSERT_EQUAL(n->tok[0].loc.col, 3);
	CU_ASSERT_EQUAL(n->tok[1].loc.col, 6); /* a tab counts one column */
	CU_ASSERT_STRING_EQUAL(n->tok[1].loc.file, "t");
	{
		size_t nw;
		char **w = lexer_take_warnings(l.lx, &nw);

		CU_ASSERT_EQUAL(nw, 1);
		if (nw == 1)
			CU_ASSERT_PTR_NOT_NULL(strstr(w[0], "t:5:1: warning: conditional line"));
		for (size_t i = 0; i < nw; i++)
			free(w[i]);
		free(w);
	}
	lex_done(&l);

	/* a --set value reports columns of the whole PATH=VALUE argument */
	memset(&l, 0, sizeof(l));
	l.lx = lexer_new();
	CU_ASSERT_EQUAL(lexer_read_string(l.lx, "--set", 20, "poisson 5000/s", &l.root, l.err,
					  sizeof(l.err)),
			0);
	CU_ASSERT_EQUAL_FATAL(l.root.nkids, 1);
	CU_ASSERT_EQUAL(l.root.kids[0].tok[1].loc.col, 28);
	lex_done(&l);

	lex_str(&l, "include x.conf\n");
	CHECK_ERR(&l, "t:1:1: error: include is not allowed here");
	lex_done(&l);
}

static void sha_of(const char *const *paths, size_t n, unsigned char out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 32;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		char buf[4096];
		size_t got;
		FILE *f = fopen(paths[i], "rb");

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(c, buf, got);
		fclose(f);
	}
	EVP_DigestFinal_ex(c, out, &len);
	EVP_MD_CTX_free(c);
}

static void test_include(void)
{
	static const char *const order[] = {
		LEX_DIR "/main.conf",	 LEX_DIR "/inc.d/a.conf", LEX_DIR "/inc.d/b.conf",
		LEX_DIR "/sub/one.conf", LEX_DIR "/sub/two.conf",
	};
	unsigned char want[32], got[32];
	struct lexed l;
	const struct lex_node *n;
	char **files;
	size_t nfiles;

	lex_path(&l, LEX_DIR "/main.conf");
	LEX_OK(&l);
	CU_ASSERT_EQUAL_FATAL(l.root.nkids, 5);
	CHECK_TOKS(&l.root.kids[0], "first|1");
	n = &l.root.kids[1];
	CHECK_TOKS(n, "block");
	CU_ASSERT_EQUAL_FATAL(n->nkids, 2);
	CHECK_TOKS(&n->kids[0], "from_a|a");
	CHECK_TOKS(&n->kids[1], "from_b|b");
	CU_ASSERT_EQUAL_FATAL(n->kids[1].nkids, 1);
	CHECK_TOKS(&n->kids[1].kids[0], "nested");
	CU_ASSERT_STRING_EQUAL(n->kids[1].tok[0].loc.file, LEX_DIR "/inc.d/b.conf");
	CHECK_TOKS(&l.root.kids[2], "from_one");
	CHECK_TOKS(&l.root.kids[3], "from_two"); /* "two.conf" relative to sub/ */
	CHECK_TOKS(&l.root.kids[4], "last|2");
	CU_ASSERT_EQUAL(l.root.kids[4].tok[0].loc.line, 6);

	lexer_sha256(l.lx, got);
	sha_of(order, 5, want);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	files = lexer_take_files(l.lx, &nfiles);
	CU_ASSERT_EQUAL(nfiles, 5);
	for (size_t i = 0; i < nfiles; i++) {
		if (i < 5)
			CU_ASSERT_STRING_EQUAL(files[i], order[i]);
		free(files[i]);
	}
	free(files);
	lex_done(&l);
}

static void test_include_errors(void)
{
	struct lexed l;

	lex_path(&l, LEX_DIR "/cycle-a.conf");
	CHECK_ERR(&l, LEX_DIR "/cycle-b.conf:2:9: error: include cycle: ");
	lex_done(&l);

	lex_path(&l, LEX_DIR "/missing.conf");
	CHECK_ERR(&l, LEX_DIR "/missing.conf:2:10: error: cannot read include file");
	lex_done(&l);

	lex_path(&l, LEX_DIR "/no-such-file.conf");
	CHECK_ERR(&l, "no-such-file.conf: error: cannot read");
	lex_done(&l);
}

int test_lexer_register(void)
{
	CU_pSuite s = CU_add_suite("lexer", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "comments", test_comments) || !CU_add_test(s, "quotes", test_quotes) ||
	    !CU_add_test(s, "brace splitting", test_braces) ||
	    !CU_add_test(s, "brace errors", test_brace_errors) ||
	    !CU_add_test(s, "continuation, positions, @ lines", test_continuation_and_positions) ||
	    !CU_add_test(s, "include glob and relative paths", test_include) ||
	    !CU_add_test(s, "include cycle and missing files", test_include_errors))
		return CU_get_error();
	return CUE_SUCCESS;
}
