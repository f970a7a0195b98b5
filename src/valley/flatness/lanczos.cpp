#include "valley/flatness/lanczos.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Eigenvalues>

#include "valley/core/error.h"

namespace valley {

LanczosResult lanczos(const LinearOperator& h, const Eigen::VectorXd& start, int m, bool keep_basis) {
  const Eigen::Index d = start.size();
  if (m < 1) fail("Lanczos needs at least one step (got {})", m);
  const double start_norm = start.norm();
  if (!(start_norm > 0.0) || !std::isfinite(start_norm)) fail("Lanczos start vector is zero or not finite");
  m = static_cast<int>(std::min<Eigen::Index>(m, d));
  Eigen::MatrixXd q(d, m);
  std::vector<double> alpha, beta;
  q.col(0) = start / start_norm;
  Eigen::VectorXd w(d);
  double max_alpha = 0.0;
  int steps = 0;
  for (int j = 0; j < m; ++j) {
    h(q.col(j), w);
    if (!w.allFinite()) fail("a Hessian-vector product is not finite (Lanczos step {})", j + 1);
    if (j > 0) w -= beta.back() * q.col(j - 1);
    const double a = q.col(j).dot(w);
    alpha.push_back(a);
    max_alpha = std::max(max_alpha, std::abs(a));
    w -= a * q.col(j);
    // Full reorthogonalization, twice ("twice is enough", Parlett).
    for (int pass = 0; pass < 2; ++pass) {
      const Eigen::VectorXd coeff = q.leftCols(j + 1).transpose() * w;
      w -= q.leftCols(j + 1) * coeff;
    }
    steps = j + 1;
    if (j + 1 == m) break;
    const double b = w.norm();
    if (b <= 1e-12 * std::max(max_alpha, 1e-300)) break;
    beta.push_back(b);
    q.col(j + 1) = w / b;
  }
  LanczosResult result;
  result.alpha = Eigen::Map<Eigen::VectorXd>(alpha.data(), steps);
  result.beta = Eigen::VectorXd(std::max(steps - 1, 0));
  for (int j = 0; j + 1 < steps; ++j) result.beta[j] = beta[static_cast<std::size_t>(j)];
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  if (steps == 1) {
    result.ritz_values = result.alpha;
    result.ritz_vectors_t = Eigen::MatrixXd::Ones(1, 1);
  } else {
    solver.computeFromTridiagonal(result.alpha, result.beta, Eigen::ComputeEigenvectors);
    result.ritz_values = solver.eigenvalues();
    result.ritz_vectors_t = solver.eigenvectors();
  }
  if (keep_basis) result.basis = q.leftCols(steps);
  return result;
}

namespace {

EigenPair ritz_pair(const LinearOperator& h, const LanczosResult& run, int i) {
  if (run.basis.cols() != run.steps()) fail("Ritz vectors need the Lanczos basis");
  Eigen::VectorXd u = run.basis * run.ritz_vectors_t.col(i);
  u /= u.norm();
  Eigen::VectorXd hu(u.size());
  h(u, hu);
  const double theta = run.ritz_values[i];
  return {theta, (hu - theta * u).norm()};
}

}  // namespace

std::vector<EigenPair> top_eigenpairs(const LinearOperator& h, const LanczosResult& run, int n_top) {
  std::vector<EigenPair> pairs;
  const int m = run.steps();
  for (int k = 0; k < std::min(n_top, m); ++k) pairs.push_back(ritz_pair(h, run, m - 1 - k));
  return pairs;
}

EigenPair smallest_eigenpair(const LinearOperator& h, const LanczosResult& run) {
  return ritz_pair(h, run, 0);
}

}  // namespace valley
