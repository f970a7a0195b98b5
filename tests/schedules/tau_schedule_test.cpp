#include "valley/schedules/tau_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valley/core/error.h"
#include "valley/schedules/step_sizes.h"

namespace valley {
namespace {

TEST(TauSchedule, ScopingFollowsEquation18AndItsReverse) {
  const TauSchedule scoping{TauSchedule::Kind::scoping, 1.5, 0.01};
  const TauSchedule reverse{TauSchedule::Kind::reverse_scoping, 0.01, 0.01};
  const TauSchedule constant{TauSchedule::Kind::constant, 0.01, 0.5};
  EXPECT_DOUBLE_EQ(scoping.tau(0), 1.5);
  EXPECT_NEAR(scoping.tau(500), 1.5 / std::pow(1.01, 500), 1e-15);
  EXPECT_NEAR(reverse.tau(500), 0.01 * std::pow(1.01, 500), 1e-12);
  EXPECT_DOUBLE_EQ(constant.tau(123), 0.01);
  EXPECT_THROW(TauSchedule::parse_kind("cosine"), Error);
}

TEST(StepSizes, MatchThePapersSchedules) {
  EXPECT_DOUBLE_EQ(sgld_temperature(1000, 1), 1.0 / 1001);
  EXPECT_DOUBLE_EQ(robbins_monro_step(0.1, 0.7, 1), 0.1);
  EXPECT_DOUBLE_EQ(robbins_monro_step(0.1, 0.7, 30), 0.1 * std::pow(30.0, -0.7));
}

}  // namespace
}  // namespace valley
