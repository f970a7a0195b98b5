#include "valley/toy/regularized_losses.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "toy/toy_tolerances.h"
#include "valley/backends/backend.h"
#include "valley/objective/quadratic.h"
#include "valley/toy/landscape_maps.h"
#include "valley/toy/landscapes.h"

namespace valley {
namespace {

std::vector<Eigen::Vector2d> random_points(int n, const Eigen::Vector2d& centre, double spread,
                                           uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, spread);
  std::vector<Eigen::Vector2d> points;
  for (int i = 0; i < n; ++i) {
    const double a = normal(rng);
    points.push_back(centre + Eigen::Vector2d(a, normal(rng)));
  }
  return points;
}

QuadratureSettings settings_for(const WellsLoss& f) {
  QuadratureSettings settings;
  settings.length_scale = f.length_scale();
  return settings;
}

TEST(QuadratureClosedForms, QuadraticLossMatchesLocalEntropyHeatAndMeanOfQ) {
  // objective/quadratic.h: F_τ, F^H_τ, E_q X and ∇F^H_τ = A(x − m), ∇²F^H_τ = A in closed form.
  Eigen::Matrix2d a;
  a << 1.5, 0.5, 0.5, 0.6;
  const Eigen::Vector2d m(0.3, -0.2);
  const Quadratic quadratic(a, m);
  WellsSettings settings;
  settings.a = a;
  settings.m = m;
  const WellsLoss f(settings);
  for (const double tau : {0.01, 0.05, 0.5}) {
    const RegularizedLosses losses(f, tau, settings_for(f));
    for (const Eigen::Vector2d& x : random_points(10, Eigen::Vector2d::Zero(), 1.5, 11)) {
      const RegularizedValues values = losses.at(x);
      EXPECT_NEAR(values.local_entropy, quadratic.local_entropy(x, tau), tol::kQuadrature) << "τ = " << tau;
      EXPECT_NEAR(values.heat, quadratic.heat_regularized(x, tau), tol::kQuadrature) << "τ = " << tau;
      EXPECT_LT((values.mean_of_q - quadratic.mean_of_q(x, tau)).norm(), tol::kQuadrature) << "τ = " << tau;
      const HeatDerivatives derivatives = losses.heat_derivatives(x);
      EXPECT_LT((derivatives.gradient - a * (x - m)).norm(), tol::kQuadrature);
      EXPECT_LT((derivatives.hessian - a).norm(), tol::kQuadrature);
    }
  }
}

// For one well f = −a exp(−|x − c|²/(2w²)) (d = 2), expanding exp(−f) in
// powers of a gives F_τ and E_q X as series of Gaussian convolutions:
//   ∫ e^{−f} φ_{x,τ} = Σ_n aⁿ/n! t_n,  t_n = (w²/(w² + nτ)) exp(−n|x − c|²/(2(w² + nτ)))
//   E_q X = Σ_n aⁿ/n! t_n (w² x + nτ c)/(w² + nτ) / Σ_n aⁿ/n! t_n
struct SeriesValues {
  double local_entropy;
  Eigen::Vector2d mean_of_q;
};

SeriesValues single_well_series(const Well& well, const Eigen::Vector2d& x, double tau) {
  const double w2 = well.width * well.width, r2 = (x - well.centre).squaredNorm();
  double sum = 0.0, power = 1.0;  // aⁿ/n!
  Eigen::Vector2d weighted = Eigen::Vector2d::Zero();
  for (int n = 0; n < 400; ++n) {
    if (n > 0) power *= well.depth / n;
    const double s2 = w2 + n * tau;
    const double term = power * (w2 / s2) * std::exp(-n * r2 / (2 * s2));
    sum += term;
    weighted += term * (w2 * x + n * tau * well.centre) / s2;
  }
  return {-std::log(sum), weighted / sum};
}

TEST(QuadratureClosedForms, SharpAndDeepWellsMatchTheirSeries) {
  // The hardest integrands: exp(a e^{−r²/(2w²)}) with narrow w and large a.
  for (const double tau : {0.005, 0.05, 0.5})
    for (const double depth : {0.5, 3.5, 8.0})
      for (const double width : {0.08, 0.12, 0.5}) {
        WellsSettings settings;
        settings.wells = {{{0.1, -0.2}, depth, width}};
        const WellsLoss f(settings);
        const RegularizedLosses losses(f, tau, settings_for(f));
        for (const Eigen::Vector2d& x :
             random_points(8, settings.wells[0].centre, std::sqrt(tau + width * width), 12)) {
          const RegularizedValues values = losses.at(x);
          const SeriesValues exact = single_well_series(settings.wells[0], x, tau);
          EXPECT_NEAR(values.local_entropy, exact.local_entropy, tol::kQuadrature)
              << "τ " << tau << " a " << depth << " w " << width;
          EXPECT_LT((values.mean_of_q - exact.mean_of_q).norm(), tol::kQuadrature)
              << "τ " << tau << " a " << depth << " w " << width;
        }
      }
}

TEST(QuadratureClosedForms, HeatRegularizationMatchesItsClosedFormOnEveryLandscape) {
  for (const std::string& name : landscape_names()) {
    const WellsLoss f(make_landscape(name).loss);
    const RegularizedLosses losses(f, 0.05, settings_for(f));
    for (const Eigen::Vector2d& x : random_points(10, Eigen::Vector2d::Zero(), 1.5, 13)) {
      EXPECT_NEAR(losses.heat(x), f.heat_regularized(x, 0.05), tol::kQuadrature) << name;
      EXPECT_LT((losses.heat_derivatives(x).gradient - f.heat_gradient(x, 0.05)).norm(), tol::kQuadrature)
          << name;
    }
  }
}

TEST(QuadratureClosedForms, MapsAgreeWithThePointRuleAndTheClosedForm) {
  // The separable fine-grid quadrature of the maps against the point rule (F_τ)
  // and the closed form (F^H_τ), at every point of a coarse grid.
  const std::unique_ptr<Backend> backend = make_cpu_backend(2);
  for (const char* name : {"wells", "field"}) {
    const Landscape landscape = make_landscape(name);
    const WellsLoss f(landscape.loss);
    const double tau = 0.05;
    const RegularizedLosses losses(f, tau, settings_for(f));
    const MapGrid grid{landscape.lower, landscape.upper, 13};
    const LandscapeMaps maps = compute_landscape_maps(f, grid, tau, settings_for(f), *backend);
    for (int i = 0; i < grid.n; ++i)
      for (int j = 0; j < grid.n; ++j) {
        const Eigen::Vector2d x(grid.coordinate(i, 0), grid.coordinate(j, 1));
        EXPECT_NEAR(maps.loss(i, j), f.exact_loss(x), 1e-12);
        EXPECT_NEAR(maps.local_entropy(i, j), losses.local_entropy(x), tol::kQuadrature)
            << name << " " << i << "," << j;
        EXPECT_NEAR(maps.heat(i, j), f.heat_regularized(x, tau), tol::kQuadrature)
            << name << " " << i << "," << j;
      }
  }
}

}  // namespace
}  // namespace valley
