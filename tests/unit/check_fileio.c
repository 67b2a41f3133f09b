/*
 * check_fileio — the safe open and create helpers: no symlink followed,
 * no wait on a FIFO, only regular files, fresh unpredictable temporary
 * names, and the mode asked for whatever the umask.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "fileio.h"
#include "util.h"

#include "tmpdir.h"

static void
setup(void)
{
	tmpdir_make("check_fileio");
}

static void
teardown(void)
{
	tmpdir_remove();
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *
get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_open_regular)
{
	char *file = path_of("f"), *link = path_of("l"), *fifo = path_of("p");
	char err[512];
	int fd;

	put(file, "x");
	fd = xfed_open_regular(file, O_RDONLY, 0, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);

	ck_assert_int_eq(symlink(file, link), 0);
	ck_assert_int_eq(xfed_open_regular(link, O_RDONLY, 0, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));

	/* Would block forever without O_NONBLOCK: no writer. */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(xfed_open_regular(fifo, O_RDONLY, 0, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "is a FIFO"));
	/* Nor for writing (O_WRONLY on a FIFO without reader: ENXIO). */
	ck_assert_int_eq(xfed_open_regular(fifo, O_RDWR | O_APPEND | O_CREAT,
	    0600, err, sizeof(err)), -1);

	ck_assert_int_eq(xfed_open_regular(tmpdir, O_RDONLY, 0, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a directory"));
	free(file);
	free(link);
	free(fifo);
}
END_TEST

START_TEST(test_open_readable)
{
	char *file = path_of("f"), *link = path_of("l"), *fifo = path_of("p");
	char err[512];
	int fd;

	put(file, "x");
	ck_assert_int_eq(symlink(file, link), 0);
	/* The configuration may live behind a symlink. */
	fd = xfed_open_readable(link, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(xfed_open_readable(fifo, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is a FIFO"));
	free(file);
	free(link);
	free(fifo);
}
END_TEST

START_TEST(test_newfile_replaces)
{
	char *path = path_of("out"), *victim = path_of("victim"), err[512];
	struct xfed_newfile nf, nf2;
	struct stat st;
	mode_t old = umask(077);

	put(victim, "precious");
	ck_assert_int_eq(chmod(victim, 0600), 0);
	/* A symlink at the target is replaced, its target never written. */
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(xfed_newfile_open(&nf, path, 0644, err, sizeof(err)),
	    0);
	ck_assert_int_eq(xfed_newfile_open(&nf2, path, 0644, err,
	    sizeof(err)), 0);
	/* Two temporary names, neither guessable from the target alone. */
	ck_assert_str_ne(nf.tmp, nf2.tmp);
	ck_assert_ptr_nonnull(strstr(nf.tmp, "/.out.tmp."));
	xfed_newfile_abort(&nf2);
	xfed_newfile_write(&nf, "new\n", 4);
	ck_assert_int_eq(xfed_newfile_commit(&nf, true, err, sizeof(err)), 0);
	ck_assert_str_eq(get(path), "new\n");
	ck_assert_str_eq(get(victim), "precious");
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	/* The mode asked for, whatever the umask; the victim's unchanged. */
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(stat(victim, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	umask(old);
	free(path);
	free(victim);
}
END_TEST

START_TEST(test_newfile_fails_cleanly)
{
	char *path = path_of("missing/out"), *ok = path_of("ok"), err[512];
	struct xfed_newfile nf;
	char *tmp;

	ck_assert_int_eq(xfed_newfile_open(&nf, path, 0600, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "missing/out"));
	/* Abort leaves nothing behind. */
	ck_assert_int_eq(xfed_newfile_open(&nf, ok, 0600, err, sizeof(err)),
	    0);
	tmp = xstrdup(nf.tmp);
	xfed_newfile_abort(&nf);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(access(ok, F_OK), -1);
	free(tmp);
	free(path);
	free(ok);
}
END_TEST

START_TEST(test_dir_writable)
{
	char *missing = path_of("nope"), *file = path_of("f"), err[512];

	ck_assert_int_eq(xfed_dir_writable(tmpdir, err, sizeof(err)), 0);
	ck_assert_int_eq(xfed_dir_writable(missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "does not exist: create it"));
	put(file, "x");
	ck_assert_int_eq(xfed_dir_writable(file, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is not a directory"));
	free(missing);
	free(file);
}
END_TEST

static Suite *
fileio_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("fileio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_regular);
	tcase_add_test(tc, test_open_readable);
	tcase_add_test(tc, test_newfile_replaces);
	tcase_add_test(tc, test_newfile_fails_cleanly);
	tcase_add_test(tc, test_dir_writable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fileio_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
