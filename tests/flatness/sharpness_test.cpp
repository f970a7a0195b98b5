// ε-sharpness by projected sign ascent on a quadratic whose maximum over the
// box is known, and the PAC-Bayes bisection on a known accuracy drop.
#include "valley/flatness/sharpness.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valley/flatness/pac_bayes.h"

namespace valley {
namespace {

// f(x) = ½ Σ a_i (x_i − m_i)², at x = m: the maximum over the box
// |δ_i| ≤ r_i is at a vertex, ½ Σ a_i r_i².
TEST(EpsilonSharpness, ReachesTheBoxMaximumOfAQuadratic) {
  const Eigen::VectorXd a = (Eigen::VectorXd(4) << 1.0, 5.0, 20.0, 0.5).finished();
  const Vec m = (Vec(4) << 0.5f, -2.0f, 0.0f, 3.0f).finished();
  const LossGradient f = [&](const Vec& x, Eigen::VectorXd& g) {
    const Eigen::VectorXd y = (x - m).cast<double>();
    g = a.cwiseProduct(y);
    return 0.5 * y.dot(g);
  };
  for (const bool adaptive : {false, true}) {
    SharpnessSettings settings;
    settings.epsilon = 1e-2;
    settings.adaptive = adaptive;
    settings.n_steps = 10;
    const Sharpness s = epsilon_sharpness(f, m, settings, NoiseKey{2, Stream::test, 7, 0});
    double want = 0.0;
    for (int i = 0; i < 4; ++i) {
      const double r = 1e-2 * (std::abs(m[i]) + (adaptive ? 0.0 : 1.0));
      want += 0.5 * a[i] * r * r;
    }
    EXPECT_NEAR(s.loss_at_x, 0.0, 1e-12);
    EXPECT_NEAR(s.loss_max, want, 1e-4 * want) << (adaptive ? "adaptive" : "Keskar");
    EXPECT_NEAR(s.phi, 100.0 * want, 1e-2 * want);
  }
}

TEST(PacBayesSigma, BisectionFindsTheSigmaOfTheTargetDrop) {
  // drop(σ) = σ²: the largest σ with drop ≤ 0.1 is √0.1.
  const PacBayesSigma s = pac_bayes_sigma([](double sigma) { return sigma * sigma; }, 0.1, 1e-5, 1.0, 40);
  EXPECT_TRUE(s.bracketed);
  EXPECT_NEAR(s.sigma, std::sqrt(0.1), 1e-8);
  EXPECT_NEAR(s.flatness, 10.0, 1e-6);
  EXPECT_FALSE(pac_bayes_sigma([](double) { return 0.0; }, 0.1, 1e-5, 1.0, 40).bracketed);
}

}  // namespace
}  // namespace valley
