// Momentum, Nesterov, weight decay and the step schedule of sgd against their
// closed forms on a quadratic.
#include "valley/methods/base_optimizer.h"

#include <gtest/gtest.h>

#include "support/test_objectives.h"
#include "valley/methods/sgd.h"

namespace valley {
namespace {

// f(x) = ½ a x² in one dimension: ∇f = a x, so every recursion is scalar.
Quadratic line(double a) { return Quadratic(Eigen::MatrixXd::Constant(1, 1, a), Eigen::VectorXd::Zero(1)); }

struct Closed {
  double x, b;
};

// The recursion of torch.optim.SGD (dampening 0) in double.
Closed closed_form(double a, double x, int n, double lr, double m, bool nesterov, double wd) {
  double b = 0.0;
  for (int k = 0; k < n; ++k) {
    const double g = a * x + wd * x;
    b = m * b + g;
    x -= lr * (nesterov ? g + m * b : b);
  }
  return {x, b};
}

void expect_closed_form(double m, bool nesterov, double wd) {
  Quadratic f = line(2.0);
  BaseOptimizerSettings settings;
  settings.lr = 0.1;
  settings.momentum = m;
  settings.nesterov = nesterov;
  settings.weight_decay = wd;
  Sgd sgd(settings);
  Vec x = Vec::Constant(1, 1.0f);
  for (uint64_t k = 0; k < 12; ++k) sgd.step(x, f, k);
  const Closed expected = closed_form(2.0, 1.0, 12, 0.1, m, nesterov, wd);
  EXPECT_NEAR(x[0], expected.x, 1e-6);
  if (m > 0) {
    EXPECT_NEAR(sgd.state().at(0), expected.b, 1e-6);
  }
  // Different settings give different points: the test can tell them apart.
  EXPECT_GT(std::abs(expected.x - closed_form(2.0, 1.0, 12, 0.1, 0.0, false, 0.0).x), 1e-3);
}

TEST(BaseOptimizer, HeavyBallMomentumMatchesItsRecursion) { expect_closed_form(0.9, false, 0.0); }
TEST(BaseOptimizer, NesterovMatchesItsRecursion) { expect_closed_form(0.9, true, 0.0); }
TEST(BaseOptimizer, WeightDecayAddsLambdaX) { expect_closed_form(0.0, false, 0.5); }
TEST(BaseOptimizer, AllTogether) { expect_closed_form(0.5, true, 0.1); }

TEST(BaseOptimizer, HeavyBallIsTheTwoStepRecurrence) {
  // Eliminating b: x_{k+1} = (1 + m − lr a) x_k − m x_{k−1}, x_1 = (1 − lr a) x_0.
  // With a = 1, lr = 1, m = ¼, x_0 = 1: x = 0, −¼, −1/16, 3/64.
  Quadratic f = line(1.0);
  BaseOptimizerSettings settings;
  settings.lr = 1.0;
  settings.momentum = 0.25;
  Sgd sgd(settings);
  Vec x = Vec::Constant(1, 1.0f);
  const double expected[] = {0.0, -0.25, -0.0625, 0.046875};
  for (uint64_t k = 0; k < 4; ++k) {
    sgd.step(x, f, k);
    EXPECT_FLOAT_EQ(x[0], static_cast<float>(expected[k])) << "after update " << k + 1;
  }
}

TEST(BaseOptimizer, StepScheduleDropsTheRateAtTheGivenUpdates) {
  BaseOptimizerSettings settings;
  settings.lr = 0.1;
  settings.lr_drops = {10, 5};
  settings.drop_factor = 0.5;
  const BaseOptimizer optimizer(settings);
  EXPECT_DOUBLE_EQ(optimizer.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(optimizer.lr(4), 0.1);
  EXPECT_DOUBLE_EQ(optimizer.lr(5), 0.05);
  EXPECT_DOUBLE_EQ(optimizer.lr(9), 0.05);
  EXPECT_DOUBLE_EQ(optimizer.lr(10), 0.025);
  Quadratic f = line(1.0);
  Sgd sgd(settings);
  Vec x = Vec::Constant(1, 1.0f);
  for (uint64_t k = 0; k < 12; ++k) sgd.step(x, f, k);
  EXPECT_NEAR(x[0], std::pow(0.9, 5) * std::pow(0.95, 5) * std::pow(0.975, 2), 1e-6);
}

TEST(BaseOptimizer, PlainSgdIsUnchangedBitForBit) {
  Quadratic f = valley::testing::make_quadratic();
  Sgd plain(0.1);
  Vec x = Vec::Zero(3), y = Vec::Zero(3), grad(3);
  for (uint64_t k = 0; k < 5; ++k) {
    plain.step(x, f, k);
    f.gradient(y, grad);
    y -= 0.1f * grad;  // valley's SGD before the base optimizer existed
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(x[i], y[i]);
  EXPECT_TRUE(plain.state().empty());
  EXPECT_EQ(plain.settings(), nlohmann::json({{"lr", 0.1f}}));
}

TEST(BaseOptimizer, MomentumBufferRoundTripsThroughState) {
  Quadratic f = valley::testing::make_quadratic();
  BaseOptimizerSettings settings;
  settings.lr = 0.1;
  settings.momentum = 0.9;
  settings.nesterov = true;
  Sgd whole(settings), first(settings), resumed(settings);
  Vec a = Vec::Zero(3), b = Vec::Zero(3);
  for (uint64_t k = 0; k < 6; ++k) whole.step(a, f, k);
  for (uint64_t k = 0; k < 3; ++k) first.step(b, f, k);
  resumed.restore_state(first.state());
  for (uint64_t k = 3; k < 6; ++k) resumed.step(b, f, k);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a[i], b[i]);
  EXPECT_EQ(first.state().size(), 3u);
  EXPECT_THROW(Sgd(0.1).restore_state(first.state()), Error);
}

}  // namespace
}  // namespace valley
