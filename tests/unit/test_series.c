// SPDX-License-Identifier: GPL-2.0
/* The bounded series: decimation, span, newest value, accessors. */
#include "harness.h"
#include "series.h"

#define SEC 1000000000ULL

TEST(empty_series_reads_zero)
{
	struct series s;

	series__init(&s);
	ASSERT_EQ(s.n, 0);
	ASSERT_NEAR(series__last(&s), 0, 0);
	ASSERT_NEAR(series__first(&s), 0, 0);
	ASSERT_NEAR(series__max(&s), 0, 0);
	ASSERT_NEAR(series__span_s(&s), 0, 0);
	series__add(&s, 5 * SEC, -3);
	ASSERT_NEAR(series__max(&s), -3, 0);	/* not 0 for negative values */
	ASSERT_NEAR(series__span_s(&s), 0, 0);
}

TEST(first_full_series_is_not_decimated)
{
	struct series s;

	series__init(&s);
	for (int i = 0; i < SERIES_CAP; i++)
		series__add(&s, (uint64_t)(i + 1) * SEC, i);
	ASSERT_EQ(s.n, SERIES_CAP);
	ASSERT_EQ(s.stride, 1);
	ASSERT_NEAR(series__span_s(&s), SERIES_CAP - 1, 1e-9);
	ASSERT_NEAR(series__max(&s), SERIES_CAP - 1, 0);
}

TEST(decimation_keeps_even_spacing_and_the_first_point)
{
	struct series s;
	uint32_t strides_seen = 0;

	series__init(&s);
	for (int i = 0; i < 10000; i++) {
		uint32_t stride = s.stride;

		series__add(&s, (uint64_t)(i + 1) * SEC, 1000 + i);
		if (s.stride != stride)
			strides_seen++;
		if (s.n > SERIES_CAP)
			LS_FAIL("point %d: %u held", i, s.n);
	}
	/* 10,000 points into 128: the stride doubled 7 times to 128 */
	ASSERT_EQ(strides_seen, 7);
	ASSERT_EQ(s.stride, 128);
	ASSERT_NEAR(series__first(&s), 1000, 0);
	for (uint32_t i = 1; i < s.n; i++)
		ASSERT_EQ(s.t_ns[i] - s.t_ns[i - 1], 128 * SEC);
	/* the newest kept point is at most one stride behind the newest */
	ASSERT_GE(s.t_ns[s.n - 1], 10000 * SEC - 127 * SEC);
	ASSERT_NEAR(series__max(&s), s.v[s.n - 1], 0);
}

TEST(last_is_the_newest_offered_even_when_dropped)
{
	struct series s;

	series__init(&s);
	for (int i = 0; i < SERIES_CAP + 2; i++)	/* stride 2 after the cap */
		series__add(&s, (uint64_t)(i + 1) * SEC, i);
	/* point 129 was offered but not kept (stride 2, 128 was kept) */
	ASSERT_NEAR(s.v[s.n - 1], SERIES_CAP, 0);
	ASSERT_NEAR(series__last(&s), SERIES_CAP + 1, 0);
	ASSERT_EQ(s.last_t_ns, (uint64_t)(SERIES_CAP + 2) * SEC);
}

int main(void)
{
	return RUN_TESTS();
}
