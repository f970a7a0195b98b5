#include "valley/methods/sgd.h"

#include <gtest/gtest.h>

#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/objective/quadratic.h"

namespace valley {
namespace {

TEST(Sgd, StepIsLearningRateTimesGradient) {
  Eigen::MatrixXd a(2, 2);
  a << 2.0, 0.5, 0.5, 1.0;
  Quadratic f(a, Eigen::Vector2d(1.0, -1.0));
  Sgd sgd(0.1);
  Vec x(2);
  x << 0.0f, 0.0f;
  sgd.step(x, f, 0);
  // ∇f(0) = A(0 − m) = (−1.5, 0.5), so x_1 = (0.15, −0.05).
  EXPECT_NEAR(x[0], 0.15, 1e-7);
  EXPECT_NEAR(x[1], -0.05, 1e-7);
  EXPECT_EQ(f.counts().n_gradient, 1);
  EXPECT_EQ(f.counts().n_loss, 0);
}

TEST(Sgd, ConvergesToTheMinimumOfAQuadratic) {
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(3, 3);
  a(1, 1) = 3.0;
  Quadratic f(a, Eigen::Vector3d(1.0, 2.0, 3.0));
  Sgd sgd(0.2);
  Vec x = Vec::Zero(3);
  for (uint64_t k = 0; k < 200; ++k) sgd.step(x, f, k);
  EXPECT_NEAR(x[0], 1.0, 1e-5);
  EXPECT_NEAR(x[1], 2.0, 1e-5);
  EXPECT_NEAR(x[2], 3.0, 1e-5);
}

TEST(MakeMethod, RejectsUnknownNamesWithTheValidOnes) {
  const auto backend = make_cpu_backend(1);
  MethodConfig config;
  config.name = "adam";
  try {
    make_method(config, *backend);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown method 'adam' (valid: sgd"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace valley
