// Deconvolution of a 1-D spike train: the MAP estimate of a Bayesian inverse
// problem with a non-convex prior, by gradient descent and by local entropy
// (Algorithm 1 with SGLD, Algorithm 3), as the paper suggests for "maximum a
// posteriori estimates in high dimensional Bayesian inverse problems" (§1).
//
// Unknown x* ∈ R^n (n = 200): a few spikes. Data y = A x* + noise, A a
// Gaussian blur, noise N(0, σ² I). Negative log-posterior, with a
// Cauchy-type sparsity prior (non-convex: log(1 + x²/s²)):
//   f(x) = |A x − y|² / (2σ²) + λ Σ_i log(1 + x_i² / s²)
// Local entropy samples q_{x,τ}(x') ∝ exp(−f(x') − |x − x'|²/(2τ)) (eq. 6),
// the posterior itself tilted towards x. Both methods get the same number of
// gradient evaluations; the program prints both estimates' errors to the
// truth and their f, whichever wins.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <Eigen/Core>

#include <fmt/format.h>

#include <valley/valley.h>

namespace {

constexpr int n = 200;             // unknowns
constexpr double blur = 3.0;       // standard deviation of the Gaussian blur, in samples
constexpr double sigma = 0.02;     // noise standard deviation
constexpr double lambda = 1.0;     // prior weight
constexpr double s = 0.05;         // prior scale: |x_i| ≫ s is a spike
constexpr int64_t budget = 20000;  // gradient evaluations per method

struct Problem {
  Eigen::MatrixXd a;  // n × n blur
  Eigen::VectorXd y;
  valley::Vec truth;

  // f(x), and ∇f(x) = Aᵀ(Ax − y)/σ² + 2λ x/(s² + x²) into grad when given.
  double f(std::span<const float> x_in, std::span<float> grad = {}) const {
    const Eigen::VectorXd x = Eigen::Map<const valley::Vec>(x_in.data(), n).cast<double>();
    const Eigen::VectorXd r = a * x - y;
    const double value =
        r.squaredNorm() / (2 * sigma * sigma) + lambda * (x.array().square() / (s * s)).log1p().sum();
    if (!grad.empty()) {
      const Eigen::VectorXd g = a.transpose() * r / (sigma * sigma) +
                                (2 * lambda * x.array() / (s * s + x.array().square())).matrix();
      Eigen::Map<valley::Vec>(grad.data(), n) = g.cast<float>();
    }
    return value;
  }
};

Problem make_problem() {
  Problem p;
  p.a.resize(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double d = (i - j) / blur;
      p.a(i, j) = std::exp(-0.5 * d * d) / (blur * std::sqrt(2 * M_PI));
    }
  p.truth = valley::Vec::Zero(n);
  const int where[] = {20, 27, 60, 95, 101, 140, 150, 185};
  const float height[] = {1.0f, -0.7f, 1.5f, 0.8f, 0.8f, -1.2f, 0.6f, 1.0f};
  for (int m = 0; m < 8; ++m) p.truth[where[m]] = height[m];
  // The noise from valley's counter-based generator: the same data everywhere.
  valley::Vec noise(n);
  valley::fill_normal({2024, valley::Stream::test, 0, 0}, 0, {noise.data(), std::size_t{n}});
  p.y = p.a * p.truth.cast<double>() + sigma * noise.cast<double>();
  return p;
}

void report(const char* name, const Problem& p, const valley::Vec& x, int64_t n_gradient) {
  const double error = (x - p.truth).norm() / p.truth.norm();
  int found = 0, spurious = 0;
  for (int i = 0; i < n; ++i) {
    const bool big = std::abs(x[i]) > 0.25f, spike = p.truth[i] != 0.0f;
    found += big && spike;
    spurious += big && !spike;
  }
  fmt::print("{:<28} {:>10.4f} {:>12.1f} {:>7}/8 {:>9} {:>10}\n", name, error, p.f({x.data(), n}), found,
             spurious, n_gradient);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Problem p = make_problem();
    valley::FunctionObjective posterior(
        n, {}, [&p](std::span<const float> x, std::span<float> g) { return p.f(x, g); },
        "the negative log-posterior");
    const valley::Vec x0 = valley::Vec::Zero(n);

    // Gradient descent: SGD on a deterministic f, step 1/L with
    // L ≈ ‖A‖²/σ² + 2λ/s² (the largest curvature).
    valley::MethodConfig gd;
    gd.name = "sgd";
    gd.sgd.lr = 1.0 / (1.0 / (sigma * sigma) + 2 * lambda / (s * s));
    valley::MinimizeOptions gd_options;
    gd_options.n_updates = budget;
    gd_options.record_loss = false;
    const valley::MinimizeResult descent = valley::minimize(posterior, x0, gd, gd_options);

    // Local entropy (Alg. 1) with SGLD (Alg. 3): J samples per update, the
    // chain carried over between updates; ε0 keeps the Langevin steps
    // below 2/L.
    valley::MethodConfig le;
    le.name = "sgld";
    le.regularization.tau = argc > 1 ? std::atof(argv[1]) : 1e-3;  // deconvolution [TAU]
    if (argc > 2) le.sgld.eps_0 = std::atof(argv[2]);              // [EPS0]
    le.n_samples = 100;
    le.sgld.eps_0 = 4000;
    le.seed = 1;
    valley::MinimizeOptions le_options;
    le_options.n_updates = budget / *le.n_samples;
    le_options.record_loss = false;
    int64_t last_percent = -1;
    valley::MinimizeCallbacks callbacks;
    callbacks.progress = [&](int64_t done, int64_t total) {
      const int64_t percent = 100 * done / total;
      if (percent % 25 == 0 && percent != last_percent) {
        std::fprintf(stderr, "local entropy: %3lld%%\n", static_cast<long long>(percent));
        last_percent = percent;
      }
    };
    const valley::MinimizeResult entropy = valley::minimize(posterior, x0, le, le_options, callbacks);

    fmt::print(
        "deconvolution of {} unknowns: blur σ = {} samples, noise σ = {}, Cauchy prior "
        "λ = {}, s = {}\n\n",
        n, blur, sigma, lambda, s);
    fmt::print("{:<28} {:>10} {:>12} {:>9} {:>9} {:>10}\n", "estimate", "|x−x*|/|x*|", "f(x)", "spikes",
               "spurious", "∇f evals");
    report("truth x*", p, p.truth, 0);
    report("gradient descent", p, descent.x, budget);
    report(fmt::format("local entropy (SGLD, τ={})", le.regularization.tau).c_str(), p, entropy.x,
           le_options.n_updates * *le.n_samples);
    fmt::print(
        "\nspikes: of the 8 true spikes, how many the estimate has above 0.25 in size; "
        "spurious: entries above 0.25 where x* is 0\n");
    return 0;
  } catch (const valley::Error& e) {
    std::fprintf(stderr, "deconvolution: %s\n", valley::one_line(e.what()).c_str());
    return 2;
  }
}
