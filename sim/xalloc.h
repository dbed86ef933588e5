/*
 * sim/xalloc.h - allocation that aborts on failure, with a label.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SIM_XALLOC_H
#define LBSIM_SIM_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif /* LBSIM_SIM_XALLOC_H */
