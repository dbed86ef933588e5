/*
 * scenarios/lang/lexer.c - keepalived.conf lexical rules (spec/vrrp-keepalived.md 4.1):
 * files into a tree of statements.
 *
 * Called by scenario_load() once per scenario file (includes are followed
 * from here) and once per --set value; the tree lives until the scenario is
 * bound, so it is as big as the files (tokens are copied, a few dozen bytes
 * each).
 *
 * What is implemented: line orientation, `#` and `!` comments outside
 * double quotes (`\#`, `\!` escape them), "quoted" tokens, a trailing `\`
 * continuing a line, braces splitting a line wherever they appear outside
 * quotes (`{` may also open a block on the next line), `include FILE`
 * (a glob(3) pattern with GLOB_BRACE, relative to the including file's
 * directory, at any nesting level; braces may not cross a file's end in a
 * way that leaves a block open at the end of the top file). Lines starting
 * with `@` (keepalived's conditional lines, kept only on a matching config
 * id) are skipped with a warning each: lbsim has no config id. `$NAME`
 * parameters and `~SEQ`/`~LST` are not expanded: they stay literal tokens.
 *
 * The SHA-256 of every file read, in reading order, identifies the inputs
 * of a run (results store it beside the scenario path).
 *
 * SPDX-License-Identifier: MIT
 */
#include "scenarios/lang/lexer.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sim/xalloc.h"

struct lexer {
	char **files; /* interned names, first-seen order */
	size_t nfiles, capfiles;
	char **warnings;
	size_t nwarnings, capwarnings;
	EVP_MD_CTX *sha;
	/* files being read, outermost first: real paths and display names */
	char *open_real[LEXER_MAX_INCLUDE_DEPTH + 1];
	const char *open_name[LEXER_MAX_INCLUDE_DEPTH + 1];
	size_t nopen;
	int in_string; /* reading a --set value: no includes */
	/* the tree being built: stack[0] is the root, the top gets new nodes */
	struct lex_node **stack;
	size_t nstack, capstack;
	bool pending;	    /* the top's last node still takes words */
	struct scn_loc eof; /* end of the text last finished */
	char *err;
	size_t errlen;
};

static int lex_file(struct lexer *lx, const char *path, const struct scn_loc *from);

/* Write "file:line:col: error: MSG" (just MSG when <loc> is NULL); returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int
lex_error(struct lexer *lx, const struct scn_loc *loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lx->err && lx->errlen) {
		if (loc)
			snprintf(lx->err, lx->errlen, "%s:%d:%d: error: %s", loc->file, loc->line,
				 loc->col, msg);
		else
			snprintf(lx->err, lx->errlen, "%s", msg);
	}
	return -EINVAL;
}

/* Keep "file:line:col: warning: MSG" until lexer_take_warnings(). */
__attribute__((format(printf, 3, 4))) static void
lex_warn(struct lexer *lx, const struct scn_loc *loc, const char *fmt, ...)
{
	char msg[512], *line;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "%s:%d:%d: warning: %s", loc->file, loc->line, loc->col, msg);
	line = xmalloc((size_t)n + 1);
	snprintf(line, (size_t)n + 1, "%s:%d:%d: warning: %s", loc->file, loc->line, loc->col, msg);
	if (lx->nwarnings == lx->capwarnings) {
		lx->capwarnings = lx->capwarnings ? 2 * lx->capwarnings : 8;
		lx->warnings = xrealloc(lx->warnings, lx->capwarnings * sizeof(*lx->warnings));
	}
	lx->warnings[lx->nwarnings++] = line;
}

/* A new lexer with no file read. Never NULL; free with lexer_free(). */
struct lexer *lexer_new(void)
{
	struct lexer *lx = xcalloc(1, sizeof(*lx));

	lx->sha = EVP_MD_CTX_new();
	if (!lx->sha || !EVP_DigestInit_ex(lx->sha, EVP_sha256(), NULL)) {
		fprintf(stderr, "lbsim: libcrypto cannot set up SHA-256\n");
		abort();
	}
	return lx;
}

/* Free <lx> and the names and warnings not taken from it; NULL is accepted. */
void lexer_free(struct lexer *lx)
{
	if (!lx)
		return;
	for (size_t i = 0; i < lx->nfiles; i++)
		free(lx->files[i]);
	free(lx->files);
	for (size_t i = 0; i < lx->nwarnings; i++)
		free(lx->warnings[i]);
	free(lx->warnings);
	for (size_t i = 0; i < lx->nopen; i++)
		free(lx->open_real[i]);
	free(lx->stack);
	EVP_MD_CTX_free(lx->sha);
	free(lx);
}

/*
 * The interned copy of <name>: the same pointer for equal names, valid
 * until lexer_free() or, after lexer_take_files(), as long as the taker
 * keeps the array.
 */
const char *lexer_intern(struct lexer *lx, const char *name)
{
	for (size_t i = 0; i < lx->nfiles; i++)
		if (!strcmp(lx->files[i], name))
			return lx->files[i];
	if (lx->nfiles == lx->capfiles) {
		lx->capfiles = lx->capfiles ? 2 * lx->capfiles : 8;
		lx->files = xrealloc(lx->files, lx->capfiles * sizeof(*lx->files));
	}
	lx->files[lx->nfiles] = xstrdup(name);
	return lx->files[lx->nfiles++];
}

/* Hand over the interned names (caller frees each and the array). */
char **lexer_take_files(struct lexer *lx, size_t *n)
{
	char **files = lx->files;

	*n = lx->nfiles;
	lx->files = NULL;
	lx->nfiles = lx->capfiles = 0;
	return files;
}

/* Hand over the warnings "file:line:col: warning: ..." (caller frees). */
char **lexer_take_warnings(struct lexer *lx, size_t *n)
{
	char **w = lx->warnings;

	*n = lx->nwarnings;
	lx->warnings = NULL;
	lx->nwarnings = lx->capwarnings = 0;
	return w;
}

/* SHA-256 of every file read so far, in reading order (the lexer goes on). */
void lexer_sha256(const struct lexer *lx, unsigned char out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 32;

	if (!c || !EVP_MD_CTX_copy_ex(c, lx->sha) || !EVP_DigestFinal_ex(c, out, &n)) {
		fprintf(stderr, "lbsim: libcrypto cannot finish SHA-256\n");
		abort();
	}
	EVP_MD_CTX_free(c);
}

/*
 * Read all of <path> into a NUL-terminated buffer (caller frees) with its
 * length in *len. Returns NULL with errno set when it cannot be read.
 */
static char *lex_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *buf;
	int saved;

	if (!f)
		return NULL;
	buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	if (ferror(f)) {
		saved = errno ? errno : EIO;
		fclose(f);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Add <path>'s bytes to the run's SHA-256 and intern its name, for files
 * read by others (empirical distributions). Returns 0, or -errno with
 * "PATH: reason" in err.
 */
int lexer_account_file(struct lexer *lx, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = lex_slurp(path, &len);

	if (!text) {
		int ret = -errno;

		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	EVP_DigestUpdate(lx->sha, text, len);
	lexer_intern(lx, path);
	free(text);
	return 0;
}

/* Free what <n> owns (tokens, kids); <n> itself is the caller's. NULL accepted. */
void lex_node_fini(struct lex_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->ntok; i++)
		free(n->tok[i].text);
	free(n->tok);
	for (size_t i = 0; i < n->nkids; i++)
		lex_node_fini(&n->kids[i]);
	free(n->kids);
	memset(n, 0, sizeof(*n));
}

/* ---- building the tree ---- */

static struct lex_node *lex_top(struct lexer *lx)
{
	return lx->stack[lx->nstack - 1];
}

/* Open block <n> (a node already in its parent's kids). */
static void lex_push(struct lexer *lx, struct lex_node *n)
{
	if (lx->nstack == lx->capstack) {
		lx->capstack = lx->capstack ? 2 * lx->capstack : 16;
		lx->stack = xrealloc(lx->stack, lx->capstack * sizeof(*lx->stack));
	}
	lx->stack[lx->nstack++] = n;
}

/*
 * Append word <text> (ownership moves to the tree) to the statement being
 * read, starting a new statement in the top block when none is open.
 */
static void lex_add_word(struct lexer *lx, char *text, bool quoted, const struct scn_loc *loc)
{
	struct lex_node *top = lex_top(lx), *n;

	if (!lx->pending) {
		if (top->nkids == top->capkids) {
			top->capkids = top->capkids ? 2 * top->capkids : 8;
			top->kids = xrealloc(top->kids, top->capkids * sizeof(*top->kids));
		}
		memset(&top->kids[top->nkids++], 0, sizeof(*top->kids));
		lx->pending = true;
	}
	n = &top->kids[top->nkids - 1];
	/* capacity is max(4, next power of two): grow when ntok hits it */
	if (n->ntok == 0 || (n->ntok >= 4 && !(n->ntok & (n->ntok - 1))))
		n->tok = xrealloc(n->tok, (n->ntok ? 2 * n->ntok : 4) * sizeof(*n->tok));
	n->tok[n->ntok].text = text;
	n->tok[n->ntok].quoted = quoted;
	n->tok[n->ntok].loc = *loc;
	n->ntok++;
}

/* Is <n> an include statement (an unquoted "include" keyword)? */
static bool lex_is_include(const struct lex_node *n)
{
	return n->ntok && !n->tok[0].quoted && !strcmp(n->tok[0].text, "include");
}

/*
 * Follow one `include` statement: each argument is a file or a glob(3)
 * pattern relative to the directory of the file it was written in. A
 * plain name that does not exist is an error; a pattern matching nothing
 * is a warning (keepalived ignores both). Returns 0 or -EINVAL.
 */
static int lex_include(struct lexer *lx, const struct lex_node *n)
{
	if (lx->in_string)
		return lex_error(lx, &n->tok[0].loc, "include is not allowed here");
	if (n->ntok < 2)
		return lex_error(lx, &n->tok[0].loc,
				 "include: expected a file name or glob pattern");
	for (size_t i = 1; i < n->ntok; i++) {
		const struct lex_token *t = &n->tok[i];
		const char *slash = strrchr(t->loc.file, '/');
		char *path;
		int ret = 0;

		if (t->text[0] == '/' || !slash) {
			path = xstrdup(t->text);
		} else {
			size_t dl = (size_t)(slash - t->loc.file) + 1;

			path = xmalloc(dl + strlen(t->text) + 1);
			memcpy(path, t->loc.file, dl);
			strcpy(path + dl, t->text);
		}
		if (!strpbrk(t->text, "*?[{")) {
			ret = lex_file(lx, path, &t->loc);
		} else {
			glob_t g;
			int gr = glob(path, GLOB_BRACE, NULL, &g);

			if (gr == GLOB_NOMATCH) {
				lex_warn(lx, &t->loc, "include pattern '%s' matches no file",
					 t->text);
			} else if (gr) {
				ret = lex_error(lx, &t->loc, "include: cannot expand '%s'",
						t->text);
			} else {
				for (size_t k = 0; k < g.gl_pathc && !ret; k++)
					ret = lex_file(lx, g.gl_pathv[k], &t->loc);
			}
			if (gr != GLOB_NOMATCH && !gr)
				globfree(&g);
		}
		free(path);
		if (ret)
			return ret;
	}
	return 0;
}

/* The top's last statement is complete: follow it if it is an include. */
static int lex_finish(struct lexer *lx)
{
	struct lex_node *top = lex_top(lx), inc;
	int ret;

	if (!lx->pending)
		return 0;
	lx->pending = false;
	if (!lex_is_include(&top->kids[top->nkids - 1]))
		return 0;
	inc = top->kids[--top->nkids];
	ret = lex_include(lx, &inc);
	lex_node_fini(&inc);
	return ret;
}

/* A "{" at <loc>: opens the block of the statement on this line or the one before. */
static int lex_open_brace(struct lexer *lx, const struct scn_loc *loc)
{
	struct lex_node *top = lex_top(lx), *n;

	if (lx->pending) {
		n = &top->kids[top->nkids - 1];
		if (lex_is_include(n))
			return lex_error(lx, loc, "include takes no { } block");
		lx->pending = false;
	} else {
		/* "{" alone on a line opens the block of the statement before it */
		if (!top->nkids || top->kids[top->nkids - 1].block)
			return lex_error(lx, loc, "'{' without a keyword before it");
		n = &top->kids[top->nkids - 1];
	}
	n->block = true;
	n->open = *loc;
	lex_push(lx, n);
	return 0;
}

/* A "}" at <loc>: closes the innermost block; none open is "Extra '}' found". */
static int lex_close_brace(struct lexer *lx, const struct scn_loc *loc)
{
	int ret = lex_finish(lx);

	if (ret)
		return ret;
	if (lx->nstack <= 1)
		return lex_error(lx, loc, "Extra '}' found");
	lx->nstack--;
	return 0;
}

/* Blanks between tokens. */
static bool lex_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Tokenize one physical line <s>[0..len) (line <ln> of <file>, first
 * column <col0>) into the tree. *cont says the previous line ended with
 * a backslash on entry, and whether this one does on return.
 * Returns 0 or -EINVAL.
 */
static int lex_line(struct lexer *lx, const char *file, int ln, int col0, const char *s, size_t len,
		    bool *cont)
{
	struct scn_loc loc = { file, ln, 0 };
	size_t i = 0;
	int ret = 0;

	while (i < len && lex_space(s[i]))
		i++;
	if (!*cont && i < len && s[i] == '@') {
		loc.col = col0 + (int)i;
		lex_warn(lx, &loc, "conditional line '@...' skipped (lbsim has no config id)");
		return 0;
	}
	*cont = false;
	while (i < len && !ret) {
		char c = s[i];

		loc.col = col0 + (int)i;
		if (lex_space(c)) {
			i++;
		} else if (c == '#' || c == '!') {
			break;
		} else if (c == '{') {
			ret = lex_open_brace(lx, &loc);
			i++;
		} else if (c == '}') {
			ret = lex_close_brace(lx, &loc);
			i++;
		} else if (c == '"') {
			const char *q = memchr(s + i + 1, '"', len - i - 1);

			if (!q)
				return lex_error(lx, &loc, "unterminated quoted string");
			lex_add_word(lx, xstrndup(s + i + 1, (size_t)(q - s) - i - 1), true, &loc);
			i = (size_t)(q - s) + 1;
		} else {
			char *w = xmalloc(len - i + 1);
			size_t n = 0;

			while (i < len) {
				c = s[i];
				if (lex_space(c) || c == '{' || c == '}' || c == '"' || c == '#' ||
				    c == '!')
					break;
				if (c == '\\' && i + 1 < len &&
				    (s[i + 1] == '#' || s[i + 1] == '!')) {
					w[n++] = s[i + 1];
					i += 2;
					continue;
				}
				if (c == '\\') {
					size_t j = i + 1;

					while (j < len && lex_space(s[j]))
						j++;
					if (j == len || s[j] == '#' || s[j] == '!') {
						*cont = true;
						i = len;
						break;
					}
				}
				w[n++] = c;
				i++;
			}
			if (n) {
				w[n] = '\0';
				lex_add_word(lx, w, false, &loc);
			} else {
				free(w);
			}
		}
	}
	if (ret)
		return ret;
	if (!*cont)
		ret = lex_finish(lx);
	return ret;
}

/* Tokenize <text> (named <file>, interned) into the tree. Returns 0 or -EINVAL. */
static int lex_text(struct lexer *lx, const char *file, const char *text, size_t len, int col0)
{
	bool cont = false;
	size_t pos = 0;
	int ln = 0, ret = 0;

	lx->pending = false;
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		ln++;
		ret = lex_line(lx, file, ln, ln == 1 ? col0 : 1, text + pos, end - pos, &cont);
		pos = end + 1;
	}
	if (!ret)
		ret = lex_finish(lx);
	lx->eof.file = file;
	lx->eof.line = ln ? ln : 1;
	lx->eof.col = 1;
	return ret;
}

/*
 * Read <path> into the tree; <from> is the include statement's argument
 * (NULL for the top file). Returns 0 or -EINVAL (unreadable, a cycle, too
 * deep, or an error inside).
 */
static int lex_file(struct lexer *lx, const char *path, const struct scn_loc *from)
{
	char *real, *text;
	const char *name;
	size_t len;
	int ret;

	if (lx->nopen > LEXER_MAX_INCLUDE_DEPTH)
		return lex_error(lx, from, "include nesting deeper than %d (at '%s')",
				 LEXER_MAX_INCLUDE_DEPTH, path);
	real = realpath(path, NULL);
	text = real ? lex_slurp(path, &len) : NULL;
	if (!text) {
		int e = errno;

		free(real);
		if (from)
			return lex_error(lx, from, "cannot read include file '%s': %s", path,
					 strerror(e));
		return lex_error(lx, NULL, "%s: error: cannot read: %s", path, strerror(e));
	}
	for (size_t i = 0; i < lx->nopen; i++) {
		if (strcmp(lx->open_real[i], real))
			continue;
		char chain[512] = "";
		size_t cl = 0;

		for (size_t k = i; k < lx->nopen && cl < sizeof(chain); k++)
			cl += (size_t)snprintf(chain + cl, sizeof(chain) - cl, "%s -> ",
					       lx->open_name[k]);
		ret = lex_error(lx, from, "include cycle: %s%s", chain, path);
		free(real);
		free(text);
		return ret;
	}
	EVP_DigestUpdate(lx->sha, text, len);
	name = lexer_intern(lx, path);
	lx->open_real[lx->nopen] = real;
	lx->open_name[lx->nopen] = name;
	lx->nopen++;
	ret = lex_text(lx, name, text, len, 1);
	lx->nopen--;
	free(lx->open_real[lx->nopen]);
	free(text);
	return ret;
}

/* After a top-level read: every block must be closed. */
static int lex_check_closed(struct lexer *lx)
{
	const struct lex_node *open;

	if (lx->nstack <= 1)
		return 0;
	open = lx->stack[lx->nstack - 1];
	if (open->open.file == lx->eof.file)
		return lex_error(lx, &lx->eof, "missing '}' for block opened at %d:%d",
				 open->open.line, open->open.col);
	return lex_error(lx, &lx->eof, "missing '}' for block opened at %s:%d:%d", open->open.file,
			 open->open.line, open->open.col);
}

/*
 * Read the file <path> and what it includes, appending statements to
 * <root> (zeroed or holding earlier statements; the caller finishes it
 * with lex_node_fini, also on error). Returns 0, or -EINVAL with one
 * message "file:line:col: error: ..." in err.
 */
int lexer_read_file(struct lexer *lx, const char *path, struct lex_node *root, char *err,
		    size_t errlen)
{
	int ret;

	lx->err = err;
	lx->errlen = errlen;
	lx->nstack = 0;
	lex_push(lx, root);
	ret = lex_file(lx, path, NULL);
	if (!ret)
		ret = lex_check_closed(lx);
	lx->nstack = 0;
	return ret;
}

/*
 * Tokenize <text> as if it were a file named <name> whose first line
 * starts at column <col0> (so "--set PATH=VALUE" values report columns in
 * the whole argument). No includes. Same contract as lexer_read_file.
 */
int lexer_read_string(struct lexer *lx, const char *name, int col0, const char *text,
		      struct lex_node *root, char *err, size_t errlen)
{
	int ret;

	lx->err = err;
	lx->errlen = errlen;
	lx->nstack = 0;
	lex_push(lx, root);
	lx->in_string++;
	ret = lex_text(lx, lexer_intern(lx, name), text, strlen(text), col0 > 0 ? col0 : 1);
	lx->in_string--;
	if (!ret)
		ret = lex_check_closed(lx);
	lx->nstack = 0;
	return ret;
}
