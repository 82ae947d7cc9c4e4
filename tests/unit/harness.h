/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-test harness in the kernel selftests' spirit: small named subtests,
 * asserts that print what was expected and what came.  Each subtest prints
 * one line, "ok NAME" or "not ok NAME", which tests/run.sh counts.
 *
 *   TEST(trend_flat) { ASSERT_NEAR(fit.slope, 0.0, 1e-9); }
 *   int main(void) { return RUN_TESTS(); }
 */
#ifndef LS_HARNESS_H
#define LS_HARNESS_H
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <stdint.h>

struct ls_test {
	const char *name;
	void (*fn)(int *failed);
};

#define LS_MAX_TESTS 256
static struct ls_test ls_tests[LS_MAX_TESTS];
static int ls_ntests;

#define TEST(name)								\
	static void test_##name(int *ls_failed);				\
	__attribute__((constructor)) static void register_##name(void)		\
	{									\
		if (ls_ntests < LS_MAX_TESTS)					\
			ls_tests[ls_ntests++] = (struct ls_test){ #name, test_##name }; \
	}									\
	static void test_##name(int *ls_failed)

#define LS_FAIL(fmt, ...) do {							\
		fprintf(stdout, "#   %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
		*ls_failed = 1;							\
		return;								\
	} while (0)

#define ASSERT_TRUE(c) do { if (!(c)) LS_FAIL("expected %s", #c); } while (0)
#define ASSERT_FALSE(c) do { if (c) LS_FAIL("expected !(%s)", #c); } while (0)
#define ASSERT_EQ(a, b) do {							\
		long long ls_a = (long long)(a), ls_b = (long long)(b);		\
		if (ls_a != ls_b)						\
			LS_FAIL("%s == %s: expected %lld, got %lld", #a, #b, ls_b, ls_a); \
	} while (0)
#define ASSERT_NE(a, b) do {							\
		long long ls_a = (long long)(a), ls_b = (long long)(b);		\
		if (ls_a == ls_b)						\
			LS_FAIL("%s != %s: both %lld", #a, #b, ls_a);		\
	} while (0)
#define ASSERT_GE(a, b) do {							\
		double ls_a = (double)(a), ls_b = (double)(b);			\
		if (!(ls_a >= ls_b))						\
			LS_FAIL("%s >= %s: expected >= %g, got %g", #a, #b, ls_b, ls_a); \
	} while (0)
#define ASSERT_LE(a, b) do {							\
		double ls_a = (double)(a), ls_b = (double)(b);			\
		if (!(ls_a <= ls_b))						\
			LS_FAIL("%s <= %s: expected <= %g, got %g", #a, #b, ls_b, ls_a); \
	} while (0)
/* |a - b| <= tol */
#define ASSERT_NEAR(a, b, tol) do {						\
		double ls_a = (double)(a), ls_b = (double)(b);			\
		if (!(fabs(ls_a - ls_b) <= (tol)))				\
			LS_FAIL("%s: expected %g +- %g, got %g", #a, ls_b, (double)(tol), ls_a); \
	} while (0)
/* within a relative tolerance: |a - b| <= rel * |b| */
#define ASSERT_REL(a, b, rel) do {						\
		double ls_a = (double)(a), ls_b = (double)(b);			\
		if (!(fabs(ls_a - ls_b) <= (rel) * fabs(ls_b)))			\
			LS_FAIL("%s: expected %g within %g%%, got %g", #a, ls_b, (rel) * 100, ls_a); \
	} while (0)
#define ASSERT_STREQ(a, b) do {							\
		const char *ls_a = (a), *ls_b = (b);				\
		if (!ls_a || !ls_b || strcmp(ls_a, ls_b))			\
			LS_FAIL("%s: expected \"%s\", got \"%s\"", #a, ls_b ? ls_b : "(null)", \
				ls_a ? ls_a : "(null)");			\
	} while (0)
#define ASSERT_CONTAINS(hay, needle) do {					\
		const char *ls_h = (hay), *ls_n = (needle);			\
		if (!ls_h || !strstr(ls_h, ls_n))				\
			LS_FAIL("%s: expected to contain \"%s\", got \"%s\"", #hay, ls_n, \
				ls_h ? ls_h : "(null)");			\
	} while (0)

static inline int ls_run_tests(const char *file)
{
	int failures = 0;

	for (int i = 0; i < ls_ntests; i++) {
		int failed = 0;

		ls_tests[i].fn(&failed);
		printf("%s %s/%s\n", failed ? "not ok" : "ok", file, ls_tests[i].name);
		failures += failed;
	}
	fflush(stdout);
	return failures ? 1 : 0;
}

#define RUN_TESTS() ls_run_tests(__FILE__)

#endif
