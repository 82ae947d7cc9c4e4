// SPDX-License-Identifier: GPL-2.0
/* The reader's poll pacing: back soon enough in a burst that no ring
 * reaches BPF's wake mark, and at the cap when nothing flows. */
#include "harness.h"
#include "poll_pace.h"

#define MS 1000000ULL

TEST(nothing_flowing_waits_the_cap)
{
	struct poll_pace p = { 0 };

	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 100 * MS, 0, 100), 100);
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 200 * MS, 0, 100), 100);
	ASSERT_EQ(p.last_ns, 200 * MS);
}

TEST(unix_loop_rate_polls_every_millisecond)
{
	struct poll_pace p = { .last_ns = 1000 * MS };

	/* bench/loops unix: about 4 records every 5 us (800,000 a second);
	 * the 512 records of headroom come in 0.64 ms */
	ASSERT_EQ(LS_PACE_RECORDS, 512);
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 1010 * MS, 8000, 100), 1);
}

TEST(timeout_is_the_time_to_fill_the_headroom)
{
	struct poll_pace p = { .last_ns = 1000 * MS };

	/* 1,024 records in 100 ms: 512 come in 50 ms */
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 1100 * MS, 1024, 100), 50);
	/* 2,048 in the next 20 ms: 5 ms */
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 1120 * MS, 2048, 100), 5);
}

TEST(slow_trickle_is_capped)
{
	struct poll_pace p = { .last_ns = 1000 * MS };

	/* 3 records in 100 ms would allow 17 s */
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 1100 * MS, 3, 100), 100);
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 1200 * MS, 3, 20), 20);
}

TEST(first_poll_or_no_time_passed_is_a_burst)
{
	struct poll_pace p = { 0 };

	/* no earlier poll to measure a rate from: records at once */
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 5 * MS, 10, 100), 1);
	/* the clock did not move (or went back): still a burst */
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 5 * MS, 10, 100), 1);
	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 4 * MS, 10, 100), 1);
}

TEST(cap_below_one_is_one)
{
	struct poll_pace p = { 0 };

	ASSERT_EQ(poll_pace__next_timeout_ms(&p, 5 * MS, 0, 0), 1);
}

int main(void)
{
	return RUN_TESTS();
}
