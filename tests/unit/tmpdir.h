/*
 * A private temporary directory for each test of a Check suite: made by
 * the fixture's setup, removed with all it holds by its teardown.  Shared
 * by the suites that write files (audit, audit lines, file I/O, state,
 * configuration).
 */
#ifndef XFED_TESTS_TMPDIR_H
#define XFED_TESTS_TMPDIR_H

#include <ftw.h>
#include <stdio.h>

#include <check.h>

#include "util.h"

static char tmpdir[64];

static inline int
tmpdir_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* /tmp/<suite>.XXXXXX */
static inline void
tmpdir_make(const char *suite)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s.XXXXXX", suite);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline void
tmpdir_remove(void)
{
	ck_assert_int_eq(nftw(tmpdir, tmpdir_rm_entry, 16,
	    FTW_DEPTH | FTW_PHYS), 0);
}

/* name inside the directory, malloc'd. */
static inline char *
path_of(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

#endif
