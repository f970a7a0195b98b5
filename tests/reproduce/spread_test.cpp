#include "valley/reproduce/spread.h"

#include <gtest/gtest.h>

#include <cmath>

namespace valley {
namespace {

TEST(ReproduceSpread, MeanAndSampleStandardDeviation) {
  const Spread s = spread_of({0.7, 0.8, 0.9});
  EXPECT_EQ(s.n, 3);
  EXPECT_NEAR(s.mean, 0.8, 1e-15);
  EXPECT_NEAR(s.sd, 0.1, 1e-15);  // n − 1 in the denominator: √(0.02 / 2)
  EXPECT_EQ(s.min, 0.7);
  EXPECT_EQ(s.max, 0.9);
  const Spread one = spread_of({0.5});
  EXPECT_EQ(one.mean, 0.5);
  EXPECT_EQ(one.sd, 0.0);
  const Spread none = spread_of({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
}

// A seed that stopped early (diverged) leaves fewer values at later updates.
TEST(ReproduceSpread, CurveAveragesTheSeedsThatReachedEachUpdate) {
  RunResults r{"x", {}};
  SeedResult a, b;
  a.rows = {{.update = 0, .test_accuracy = 0.1},
            {.update = 10, .test_accuracy = 0.5},
            {.update = 20, .test_accuracy = 0.7}};
  b.rows = {{.update = 0, .test_accuracy = 0.3}, {.update = 10, .test_accuracy = 0.7}};
  r.seeds = {a, b};
  const std::vector<CurvePoint> curve = mean_curve(r, "test_accuracy");
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_EQ(curve[0].update, 0);
  EXPECT_NEAR(curve[0].spread.mean, 0.2, 1e-15);
  EXPECT_NEAR(curve[1].spread.mean, 0.6, 1e-15);
  EXPECT_EQ(curve[2].spread.n, 1);
  EXPECT_EQ(curve[2].spread.mean, 0.7);
}

}  // namespace
}  // namespace valley
