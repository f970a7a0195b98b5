#include "valley/toy/landscape_maps.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "valley/core/error.h"

namespace valley {
namespace {

// One pass of the separable sum along the second fine index:
// out(p, j) = Σ_t kernel[t + K] in(p, j r + t)   (in's columns are offset by K)
Eigen::MatrixXd convolve_columns(const Eigen::MatrixXd& in, const std::vector<double>& kernel, int n_out,
                                 int ratio, const Backend& backend) {
  const auto taps = static_cast<Eigen::Index>(kernel.size());
  Eigen::MatrixXd out(in.rows(), n_out);
  backend.parallel_for(in.rows(), [&](int, int64_t begin, int64_t end) {
    for (Eigen::Index p = begin; p < end; ++p)
      for (int j = 0; j < n_out; ++j) {
        double sum = 0.0;
        const Eigen::Index first = static_cast<Eigen::Index>(j) * ratio;
        for (Eigen::Index t = 0; t < taps; ++t) sum += kernel[static_cast<std::size_t>(t)] * in(p, first + t);
        out(p, j) = sum;
      }
  });
  return out;
}

}  // namespace

LandscapeMaps compute_landscape_maps(const WellsLoss& f, const MapGrid& grid, double tau,
                                     const QuadratureSettings& settings, const Backend& backend) {
  if (grid.n < 2) fail("landscape maps: the grid needs at least 2 points per side (got {})", grid.n);
  const Eigen::Vector2d extent = grid.upper - grid.lower;
  if (std::abs(extent[0] - extent[1]) > 1e-12 * extent.norm() || !(extent[0] > 0))
    fail("landscape maps: the box must be a square of positive size");
  const double sigma = std::sqrt(tau);
  const double spacing = extent[0] / (grid.n - 1);                      // Δ, the map spacing
  const double max_fine = sigma * gaussian_rule_step(sigma, settings);  // the point rule's √τ δ
  if (!(max_fine > 0)) fail("landscape maps: τ = {} is too large for the quadrature's resolution", tau);
  const int ratio = static_cast<int>(std::ceil(spacing / max_fine));  // r: h = Δ / r
  const double h = spacing / ratio;
  const int k_taps = static_cast<int>(std::ceil(settings.half_width * sigma / h));  // K
  const int n_fine = (grid.n - 1) * ratio + 2 * k_taps + 1;
  if (static_cast<double>(n_fine) * n_fine > 4e8)
    fail("landscape maps: τ = {} and a {}-point grid need {}² fine points; use a smaller τ or grid", tau,
         grid.n, n_fine);

  // Kernel h φ_τ(t h), t = −K … K: the trapezoid weights of N(0, τ) in 1-D.
  std::vector<double> kernel;
  for (int t = -k_taps; t <= k_taps; ++t)
    kernel.push_back(h * std::exp(-0.5 * (t * h) * (t * h) / tau) / std::sqrt(2 * std::numbers::pi * tau));

  // f on the fine grid, u_p = lower − K h + p h.
  Eigen::MatrixXd fine_loss(n_fine, n_fine);
  backend.parallel_for(n_fine, [&](int, int64_t begin, int64_t end) {
    for (Eigen::Index p = begin; p < end; ++p)
      for (Eigen::Index q = 0; q < n_fine; ++q)
        fine_loss(p, q) = f.exact_loss(grid.lower + h * Eigen::Vector2d(static_cast<double>(p - k_taps),
                                                                        static_cast<double>(q - k_taps)));
  });
  const double min_loss = fine_loss.minCoeff();
  const Eigen::MatrixXd fine_exp = (-(fine_loss.array() - min_loss)).exp().matrix();  // exp(−(f − f_min))

  // Two passes: along x2 on every fine row, then along x1 (as columns of the transpose).
  const auto smooth = [&](const Eigen::MatrixXd& fine) {
    const Eigen::MatrixXd rows_done = convolve_columns(fine, kernel, grid.n, ratio, backend);
    return Eigen::MatrixXd(
        convolve_columns(rows_done.transpose(), kernel, grid.n, ratio, backend).transpose());
  };
  LandscapeMaps maps;
  maps.grid = grid;
  maps.tau = tau;
  maps.heat = smooth(fine_loss);                                              // f ∗ φ_{0,τ}
  maps.local_entropy = (min_loss - smooth(fine_exp).array().log()).matrix();  // −log(e^{−f} ∗ φ_{0,τ})
  maps.loss.resize(grid.n, grid.n);
  for (int i = 0; i < grid.n; ++i)
    for (int j = 0; j < grid.n; ++j)
      maps.loss(i, j) = fine_loss(static_cast<Eigen::Index>(i) * ratio + k_taps,
                                  static_cast<Eigen::Index>(j) * ratio + k_taps);
  if (!maps.local_entropy.allFinite())
    fail("landscape maps: exp(−f) underflows at some map point; the loss rises too steeply for τ = {}", tau);
  return maps;
}

}  // namespace valley
