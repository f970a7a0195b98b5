// The Lanczos method with full reorthogonalization for the extreme
// eigenvalues of a symmetric operator H known only through products Hv (the
// network's Hessian, model/hessian_vector_product.h). From a unit start q_1:
//   w = H q_j − β_{j−1} q_{j−1},  α_j = q_jᵀ w,  w ← w − α_j q_j,
//   w ← w − Q_j (Q_jᵀ w) twice (full reorthogonalization: without it, lost
//   orthogonality makes converged eigenvalues reappear as ghosts),
//   β_j = |w|,  q_{j+1} = w / β_j.
// The m × m tridiagonal T (α on the diagonal, β beside it) has eigenpairs
// (θ_i, s_i); θ_i are the Ritz values, u_i = Q s_i the Ritz vectors. The
// extreme Ritz values converge first (Golub & Van Loan, Matrix Computations
// §10.1), so one run gives both the top eigenvalues and the smallest. The
// same run is one sample of stochastic Lanczos quadrature
// (flatness/spectral_density.h). d = dimension, m = steps.
#pragma once

#include <functional>
#include <vector>

#include <Eigen/Dense>

namespace valley {

// hv = H v for a symmetric H.
using LinearOperator = std::function<void(const Eigen::VectorXd& v, Eigen::VectorXd& hv)>;

struct LanczosResult {
  Eigen::VectorXd alpha;           // diagonal of T (m)
  Eigen::VectorXd beta;            // off-diagonal of T (m − 1)
  Eigen::VectorXd ritz_values;     // θ_i, ascending (m)
  Eigen::MatrixXd ritz_vectors_t;  // s_i, the eigenvectors of T, one per column (m × m)
  Eigen::MatrixXd basis;           // Q (d × m); empty unless kept
  int steps() const { return static_cast<int>(alpha.size()); }
};

// Runs up to m steps from `start` (normalized here); stops early when the
// Krylov space is exhausted (β_j ≤ 1e-12 · max|α|), so steps() ≤ m.
LanczosResult lanczos(const LinearOperator& h, const Eigen::VectorXd& start, int m, bool keep_basis);

struct EigenPair {
  double value = 0.0;     // θ
  double residual = 0.0;  // |H u − θ u| for the unit Ritz vector u, by one more product
};

// The n_top largest Ritz pairs (descending) and the smallest, with residuals
// (needs the basis).
std::vector<EigenPair> top_eigenpairs(const LinearOperator& h, const LanczosResult& run, int n_top);
EigenPair smallest_eigenpair(const LinearOperator& h, const LanczosResult& run);

}  // namespace valley
