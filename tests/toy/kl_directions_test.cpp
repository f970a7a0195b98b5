#include "valley/toy/kl_directions.h"

#include <cmath>

#include <gtest/gtest.h>

#include "toy/toy_tolerances.h"

namespace valley {
namespace {

TEST(ToyKlDirections, SymmetricBimodalMeanSeekingFitSitsAtTheCentre) {
  // q = ½N(−1.5, 0.5²) + ½N(1.5, 0.5²): argmin_m KL(q‖φ_m) = E_q Y = 0.
  const KlDirections fits = fit_kl_directions({});
  EXPECT_NEAR(fits.mean_seeking.mean, 0.0, tol::kQuadrature);
  // The scan agrees: the smallest KL(q‖φ_m) on it lies at the centre.
  const auto best = std::min_element(fits.kl_q_phi.begin(), fits.kl_q_phi.end()) - fits.kl_q_phi.begin();
  EXPECT_NEAR(fits.m[static_cast<std::size_t>(best)], 0.0, fits.m[1] - fits.m[0]);
}

TEST(ToyKlDirections, SymmetricBimodalModeSeekingFitsSitNearTheModes) {
  const KlDirections fits = fit_kl_directions({});
  ASSERT_EQ(fits.mode_seeking.size(), 2u);  // one local minimizer per mode, none at the centre
  EXPECT_NEAR(fits.mode_seeking[0].mean, -1.5, tol::kNearMode);
  EXPECT_NEAR(fits.mode_seeking[1].mean, 1.5, tol::kNearMode);
  EXPECT_NEAR(fits.mode_seeking[0].mean, -fits.mode_seeking[1].mean, tol::kQuadrature);
  EXPECT_NEAR(fits.mode_seeking[0].kl, fits.mode_seeking[1].kl, tol::kQuadrature);
  // Mode seeking fits q far better than the Gaussian in the gap would.
  EXPECT_LT(fits.mode_seeking[0].kl, fits.kl_phi_q[fits.m.size() / 2]);
}

TEST(ToyKlDirections, AsymmetricWeightsMeanFollowsTheClosedFormAndTheHeavierModeFitsBest) {
  KlDirectionsSettings settings;
  settings.q.weights = {0.7, 0.3};
  const KlDirections fits = fit_kl_directions(settings);
  EXPECT_NEAR(fits.mean_seeking.mean, settings.q.mean(), tol::kQuadrature);  // 0.7·(−1.5) + 0.3·1.5 = −0.6
  ASSERT_EQ(fits.mode_seeking.size(), 2u);
  EXPECT_LT(fits.mode_seeking[0].kl, fits.mode_seeking[1].kl);  // the heavier mode at −1.5
}

TEST(ToyKlDirections, ForAGaussianQBothDirectionsRecoverIt) {
  // q = N(0.7, 0.5²) and σ = 0.5: φ_{0.7} = q, both divergences vanish there.
  KlDirectionsSettings settings;
  settings.q = {{1.0}, {0.7}, {0.5}};
  const KlDirections fits = fit_kl_directions(settings);
  EXPECT_NEAR(fits.mean_seeking.mean, 0.7, tol::kQuadrature);
  EXPECT_NEAR(fits.mean_seeking.kl, 0.0, tol::kQuadrature);
  ASSERT_EQ(fits.mode_seeking.size(), 1u);
  EXPECT_NEAR(fits.mode_seeking[0].mean, 0.7, 1e-9);
  EXPECT_NEAR(fits.mode_seeking[0].kl, 0.0, tol::kQuadrature);
}

}  // namespace
}  // namespace valley
