// PAC-Bayes flatness (Jiang, Neyshabur, Mobahi, Krishnan & Bengio, "Fantastic
// Generalization Measures and Where to Find Them", ICLR 2020, eqs. 53 and
// 61): the largest σ such that Gaussian weight noise u costs at most
// `target` (0.1) accuracy on the loss subset,
//   E_u acc(x + u) ≥ acc(x) − 0.1,   u_i ~ N(0, σ²)                 (isotropic)
//                                    u_i ~ N(0, σ²x_i² + ε²), ε = 1e-3  (magnitude-aware)
// reported as 1/σ² (larger = sharper). σ is the standard deviation, as the
// paper intends (Jiang's code passes σ² as the std, a known quirk). The
// expectation is a mean over a fixed set of counter-based draws (the same for
// every σ and every run), and σ is found by bisection in log σ.
#pragma once

#include <functional>

namespace valley {

// acc(x) − E_u acc(x + u) at noise scale σ.
using AccuracyDrop = std::function<double(double sigma)>;

struct PacBayesSigma {
  double sigma = 0.0;
  double flatness = 0.0;  // 1/σ²
  bool bracketed = true;  // false when the drop is ≤ target at sigma_hi or > target at sigma_lo
};

PacBayesSigma pac_bayes_sigma(const AccuracyDrop& drop, double target, double sigma_lo, double sigma_hi,
                              int n_steps);

}  // namespace valley
