/*
 * scenarios/lang/lexer.h - keepalived.conf lexical rules: files into a tree
 * of nodes.
 *
 * A node is one statement: its tokens (the first is the keyword) and,
 * when a { } block follows, the nodes inside it. `include` statements are
 * replaced by the nodes of the files they name. Every token keeps where it
 * was written.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SCENARIOS_LANG_LEXER_H
#define LBSIM_SCENARIOS_LANG_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/lang/scenario.h"

/* Deepest include nesting accepted (keepalived has no limit; cycles are errors). */
#define LEXER_MAX_INCLUDE_DEPTH 32

struct lex_token {
	char *text;  /* without quotes */
	bool quoted; /* written as "..." */
	struct scn_loc loc;
};

struct lex_node {
	struct lex_token *tok; /* tok[0] is the keyword; the root has none */
	size_t ntok;
	struct lex_node *kids; /* the block's statements, in order */
	size_t nkids;
	size_t capkids;
	bool block;	     /* a { } block followed (maybe empty) */
	struct scn_loc open; /* where its '{' was, when block */
};

struct lexer;

struct lexer *lexer_new(void);
void lexer_free(struct lexer *lx);

int lexer_read_file(struct lexer *lx, const char *path, struct lex_node *root, char *err,
		    size_t errlen);
int lexer_read_string(struct lexer *lx, const char *name, int col0, const char *text,
		      struct lex_node *root, char *err, size_t errlen);
void lex_node_fini(struct lex_node *n);

const char *lexer_intern(struct lexer *lx, const char *name);
int lexer_account_file(struct lexer *lx, const char *path, char *err, size_t errlen);
void lexer_sha256(const struct lexer *lx, unsigned char out[32]);
char **lexer_take_files(struct lexer *lx, size_t *n);
char **lexer_take_warnings(struct lexer *lx, size_t *n);

#endif /* LBSIM_SCENARIOS_LANG_LEXER_H */
