/*
 * check_net — waits with deadlines: a wait ends at its own deadline, or
 * earlier at the agent's stop deadline (xfed_net_stop_by), which bounds
 * even an UPDATE in flight when xfedd is told to stop.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "error.h"
#include "net.h"
#include "util.h"

/* A bound UDP socket nobody writes to, and ours connected to it. */
static void
silent_pair(int *server, int *client)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*server = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ne(*server, -1);
	ck_assert_int_eq(bind(*server, (struct sockaddr *)&sin, len), 0);
	ck_assert_int_eq(getsockname(*server, (struct sockaddr *)&sin, &len),
	    0);
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &sin, sizeof(sin));
	ck_assert_int_eq(xfed_udp_open(&ss, sizeof(sin), client), 0);
}

static uint64_t
timed_recv(int fd, uint64_t wait_ms, int *rc)
{
	uint8_t buf[512];
	size_t n;
	uint64_t start = xfed_now_ms();

	*rc = xfed_udp_recv_msg(fd, buf, sizeof(buf), &n, start + wait_ms);
	return xfed_now_ms() - start;
}

START_TEST(test_own_deadline)
{
	int server, client, rc;
	uint64_t took;

	silent_pair(&server, &client);
	took = timed_recv(client, 300, &rc);
	ck_assert_int_eq(rc, XFED_ETIMEOUT);
	ck_assert_uint_ge(took, 290);
	close(client);
	close(server);
}
END_TEST

START_TEST(test_stop_deadline_cuts_short)
{
	int server, client, rc;
	uint64_t took;

	silent_pair(&server, &client);
	ck_assert_uint_eq(xfed_net_stop_deadline(), 0);
	/* A wait of 10 s, the agent told to stop within 200 ms. */
	xfed_net_stop_by(xfed_now_ms() + 200);
	took = timed_recv(client, 10000, &rc);
	ck_assert_int_eq(rc, XFED_ETIMEOUT);
	ck_assert_uint_lt(took, 2000);
	/* A shorter wait of its own still ends at its own deadline. */
	xfed_net_stop_by(xfed_now_ms() + 10000);
	took = timed_recv(client, 100, &rc);
	ck_assert_int_eq(rc, XFED_ETIMEOUT);
	ck_assert_uint_lt(took, 2000);
	close(client);
	close(server);
}
END_TEST

struct waiter {
	int		client;
	int		rc;
	uint64_t	took;
};

static void *
wait_long(void *arg)
{
	struct waiter *w = arg;

	w->took = timed_recv(w->client, 10000, &w->rc);
	return NULL;
}

/* A stop that comes while a wait is under way cuts that wait short too. */
START_TEST(test_stop_during_wait)
{
	struct waiter w;
	pthread_t t;
	int server;

	silent_pair(&server, &w.client);
	ck_assert_int_eq(pthread_create(&t, NULL, wait_long, &w), 0);
	usleep(100 * 1000);
	xfed_net_stop_by(xfed_now_ms() + 200);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(w.rc, XFED_ETIMEOUT);
	ck_assert_uint_lt(w.took, 5000);
	close(w.client);
	close(server);
}
END_TEST

static Suite *
net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("net");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_own_deadline);
	tcase_add_test(tc, test_stop_deadline_cuts_short);
	suite_add_tcase(s, tc);
	/* Its own process (Check forks each test): no stop set before. */
	tc = tcase_create("stop");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_stop_during_wait);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(net_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
