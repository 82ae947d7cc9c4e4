// SPDX-License-Identifier: GPL-2.0
/* Theil-Sen slope, Kendall's tau and the noise on hand-computed series. */
#include "harness.h"
#include "trend.h"

#define SEC 1000000000ULL

static void fill_steps(struct series *s, int n, int step_len)
{
	series__init(s);
	for (int i = 0; i < n; i++)
		series__add(s, (uint64_t)(i + 1) * SEC, 10 + i / step_len);
}

TEST(staircase_tau_counts_ties_as_neither)
{
	struct series s;
	struct trend t;

	/* 20 points in 5 flat steps of 4: 190 pairs, 5 * 6 = 30 tied,
	 * 160 concordant: tau = 160 / 190 */
	fill_steps(&s, 20, 4);
	trend__fit(&s, &t);
	ASSERT_NEAR(t.tau, 160.0 / 190.0, 1e-12);
	ASSERT_NEAR(t.slope, 0.25, 1e-12);
	ASSERT_NEAR(t.first, 10, 0);
	ASSERT_NEAR(t.last, 14, 0);
	ASSERT_NEAR(t.min, 10, 0);
	ASSERT_NEAR(t.max, 14, 0);
	ASSERT_NEAR(t.mean, 12, 1e-12);
	ASSERT_NEAR(t.rise, 0.25 * 19, 1e-12);
}

TEST(falling_line_has_tau_minus_one)
{
	struct series s;
	struct trend t;

	series__init(&s);
	for (int i = 0; i < 10; i++)	/* 2 s apart: -3 units per second */
		series__add(&s, (uint64_t)(2 * i + 1) * SEC, 100 - 6 * i);
	trend__fit(&s, &t);
	ASSERT_NEAR(t.tau, -1, 1e-12);
	ASSERT_NEAR(t.slope, -3, 1e-9);
	ASSERT_NEAR(t.intercept, 100, 1e-9);
	ASSERT_NEAR(t.span_s, 18, 1e-12);
	ASSERT_NEAR(t.noise, 0, 1e-9);
}

TEST(noise_is_the_median_absolute_residual)
{
	static const int pattern[4] = { 2, -2, -2, 2 };
	struct series s;
	struct trend t;

	/* 50 +2 -2 -2 +2 ... over 12 points, a palindrome: as many pairs
	 * go up as down, so slope 0 and tau 0; the intercept is 50 (median
	 * of six 48s and six 52s) and every residual is 2 */
	series__init(&s);
	for (int i = 0; i < 12; i++)
		series__add(&s, (uint64_t)(i + 1) * SEC, 50 + pattern[i % 4]);
	trend__fit(&s, &t);
	ASSERT_NEAR(t.slope, 0, 1e-12);
	ASSERT_NEAR(t.tau, 0, 1e-12);
	ASSERT_NEAR(t.intercept, 50, 1e-12);
	ASSERT_NEAR(t.noise, 2, 1e-12);
}

TEST(range_fits_only_its_points)
{
	struct series s;
	struct trend t;

	/* flat 10 for 10 points, then +5 per second for 10 */
	series__init(&s);
	for (int i = 0; i < 20; i++)
		series__add(&s, (uint64_t)(i + 1) * SEC, i < 10 ? 10 : 10 + 5 * (i - 9));
	trend__fit_range(&s, 10, 20, &t);
	ASSERT_EQ(t.n, 10);
	ASSERT_NEAR(t.slope, 5, 1e-9);
	ASSERT_NEAR(t.tau, 1, 1e-12);
	ASSERT_NEAR(t.first, 15, 0);
	trend__fit_range(&s, 0, 10, &t);
	ASSERT_NEAR(t.slope, 0, 0);
	ASSERT_NEAR(t.tau, 0, 0);
	trend__fit_range(&s, 15, 99, &t);	/* clipped to the series */
	ASSERT_EQ(t.n, 5);
	trend__fit_range(&s, 12, 12, &t);
	ASSERT_EQ(t.n, 0);
}

TEST(long_series_slope_from_a_subsample_stays_exact_on_a_line)
{
	struct series s;
	struct trend t;

	series__init(&s);
	for (int i = 0; i < SERIES_CAP; i++)	/* 7 units per 3 s */
		series__add(&s, (uint64_t)(3 * i + 1) * SEC, 1e9 + 7 * i);
	trend__fit(&s, &t);
	ASSERT_REL(t.slope, 7.0 / 3, 1e-9);
	ASSERT_NEAR(t.tau, 1, 1e-12);
	ASSERT_NEAR(t.noise, 0, 1e-3);
}

TEST(degenerate_inputs_give_no_nan)
{
	struct series s;
	struct trend t;

	series__init(&s);
	for (int i = 0; i < 6; i++)	/* all at the same instant */
		series__add(&s, 3 * SEC, i);
	trend__fit(&s, &t);
	ASSERT_TRUE(!isnan(t.slope) && !isnan(t.tau) && !isnan(t.noise));
	ASSERT_NEAR(t.slope, 0, 0);
	ASSERT_NEAR(t.span_s, 0, 0);
	series__init(&s);
	for (int i = 0; i < 6; i++)	/* all equal */
		series__add(&s, (uint64_t)(i + 1) * SEC, 42);
	trend__fit(&s, &t);
	ASSERT_NEAR(t.slope, 0, 0);
	ASSERT_NEAR(t.tau, 0, 0);
	ASSERT_NEAR(t.intercept, 42, 0);
	series__init(&s);
	series__add(&s, SEC, 1);
	series__add(&s, 3 * SEC, 5);
	trend__fit(&s, &t);	/* two points: one pair */
	ASSERT_NEAR(t.slope, 2, 1e-12);
	ASSERT_NEAR(t.tau, 1, 0);
	series__init(&s);	/* two points at one instant, then one later */
	series__add(&s, SEC, 1);
	series__add(&s, SEC, 9);
	series__add(&s, 2 * SEC, 5);
	trend__fit(&s, &t);
	ASSERT_TRUE(!isnan(t.slope) && !isnan(t.tau));
}

int main(void)
{
	return RUN_TESTS();
}
