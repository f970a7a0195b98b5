// Figure 3 and §5: the best Gaussian φ_m = N(m, σ²) of fixed variance for a
// bimodal density q on R, in either argument of the divergence (eq. 7):
//   mean seeking  argmin_m KL(q ‖ φ_m) = E_q Y: since
//                 KL(q ‖ φ_m) = const + E_q (Y − m)²/(2σ²), the unique
//                 minimizer is q's mean (the second step of Algorithm 1, §5.1)
//   mode seeking  argmin_m KL(φ_m ‖ q) = −½ log(2πeσ²) − E_{φ_m} log q:
//                 possibly several local minimizers, each near a mode
//                 (the second step of Algorithm 2, §5.2); all are reported.
// q is a Gaussian mixture. E_q uses the trapezoid rule on a fine y grid
// (spacing min_i s_i / 20, ±8 s_i beyond the outer components); E_{φ_m}
// uses numerics/gaussian_rule.h in d = 1, resolving the bend of log q between the
// modes (width s²/|μ_i − μ_j|). The local minimizers of the mode-seeking
// divergence are bracketed on a scan of m and refined by bisection on its
// derivative −E_{φ_m}[(log q)′(Y)].
#pragma once

#include <vector>

#include "valley/numerics/gaussian_rule.h"

namespace valley {

struct GaussianMixture1d {
  std::vector<double> weights = {0.5, 0.5};  // π_i, summing to 1
  std::vector<double> means = {-1.5, 1.5};   // μ_i
  std::vector<double> sds = {0.5, 0.5};      // s_i

  double log_density(double y) const;    // log q(y) = log Σ_i π_i N(y; μ_i, s_i²)
  double d_log_density(double y) const;  // (log q)′(y)
  double density(double y) const;
  double mean() const;  // Σ_i π_i μ_i, the closed form of E_q Y
};

struct KlDirectionsSettings {
  GaussianMixture1d q;
  double sigma = 0.5;  // σ: φ_m = N(m, σ²)
  int n_scan = 801;    // scan points for m over q's support
  QuadratureSettings quadrature;
};

struct KlFit {
  double mean = 0.0;  // m
  double kl = 0.0;    // the divergence at m
};

struct KlDirections {
  KlFit mean_seeking;               // argmin_m KL(q ‖ φ_m)
  std::vector<KlFit> mode_seeking;  // every local minimizer of m ↦ KL(φ_m ‖ q), by increasing m
  std::vector<double> m;            // the scan
  std::vector<double> kl_q_phi;     // KL(q ‖ φ_m) on the scan
  std::vector<double> kl_phi_q;     // KL(φ_m ‖ q) on the scan
};

KlDirections fit_kl_directions(const KlDirectionsSettings& settings);

// N(y; m, σ²)
double normal_density(double y, double m, double sigma);

}  // namespace valley
