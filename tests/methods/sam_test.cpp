// SAM and ASAM on a quadratic against the closed form of one update.
#include "valley/methods/sam.h"

#include <gtest/gtest.h>

#include "support/test_objectives.h"
#include "valley/methods/sgd.h"

namespace valley {
namespace {

using valley::testing::make_quadratic;

const Eigen::Matrix3d kA = (Eigen::Matrix3d() << 2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 1.5).finished();
const Eigen::Vector3d kM(0.5, -1.0, 0.25);

BaseOptimizerSettings lr(double rate) {
  BaseOptimizerSettings settings;
  settings.lr = rate;
  return settings;
}

Vec start() {
  Vec x(3);
  x << 0.3f, 0.7f, -0.4f;
  return x;
}

TEST(Sam, OneUpdateMatchesTheClosedForm) {
  Quadratic f = make_quadratic();
  Sam sam({0.2, false, 0.0}, lr(0.1));
  Vec x = start();
  sam.step(x, f, 0);
  const Eigen::Vector3d w = start().cast<double>();
  const Eigen::Vector3d g = kA * (w - kM);
  const Eigen::Vector3d eps = 0.2 * g / g.norm();
  const Eigen::Vector3d expected = w - 0.1 * kA * (w + eps - kM);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], expected[i], 1e-6);
  // and not plain SGD's point
  EXPECT_GT((expected - (w - 0.1 * g)).norm(), 1e-3);
  EXPECT_EQ(f.counts().n_gradient, 2);
}

TEST(Sam, AdaptiveUpdateMatchesTheClosedForm) {
  Quadratic f = make_quadratic();
  Sam sam({0.2, true, 0.01}, lr(0.1));
  Vec x = start();
  sam.step(x, f, 0);
  const Eigen::Vector3d w = start().cast<double>();
  const Eigen::Vector3d g = kA * (w - kM);
  const Eigen::Vector3d t = w.cwiseAbs().array() + 0.01;
  const Eigen::Vector3d eps = 0.2 * t.cwiseProduct(t).cwiseProduct(g) / t.cwiseProduct(g).norm();
  const Eigen::Vector3d expected = w - 0.1 * kA * (w + eps - kM);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], expected[i], 1e-6);
  const Eigen::Vector3d plain_sam = w - 0.1 * kA * (w + 0.2 * g / g.norm() - kM);
  EXPECT_GT((expected - plain_sam).norm(), 1e-4);
}

TEST(Sam, RhoZeroIsSgdBitForBit) {
  Quadratic f = make_quadratic();
  for (const bool adaptive : {false, true}) {
    Sam sam({0.0, adaptive, 0.01}, lr(0.1));
    Sgd sgd(0.1);
    Vec a = start(), b = start();
    for (uint64_t k = 0; k < 5; ++k) {
      sam.step(a, f, k);
      sgd.step(b, f, k);
    }
    for (int i = 0; i < 3; ++i) EXPECT_EQ(a[i], b[i]);
  }
}

TEST(Sam, ZeroGradientGivesNoPerturbation) {
  Quadratic f = make_quadratic();
  Sam sam({0.5, false, 0.0}, lr(0.1));
  Vec x(3);
  x << 0.5f, -1.0f, 0.25f;  // the minimum
  sam.step(x, f, 0);
  EXPECT_TRUE(x.allFinite());
  EXPECT_NEAR(x[0], 0.5, 1e-7);
}

}  // namespace
}  // namespace valley
