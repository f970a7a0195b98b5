#include "valley/objective/row_space.h"

#include <Eigen/QR>

#include "valley/model/blas.h"

namespace valley {
namespace {

// An orthonormal basis of the row space of X (B × n_0), by Householder QR
// with column pivoting of Xᵀ in double; pivots below 1e-9 of the largest
// count as zero (images have entries in [0, 1], so genuine directions are
// far above that).
Eigen::MatrixXd row_space_basis(const Minibatch& batch) {
  const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> x(
      batch.images.data(), batch.batch_size, batch.pixels);
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(x.cast<double>().transpose());
  qr.setThreshold(1e-9);
  const Eigen::Index rank = qr.rank();
  return qr.householderQ() * Eigen::MatrixXd::Identity(batch.pixels, rank);
}

}  // namespace

NetSpec reduced_spec(const NetSpec& spec, int rank) {
  NetSpec reduced = spec;
  reduced.widths[0] = rank;
  return reduced;
}

RowSpaceReduction::RowSpaceReduction(const NetSpec& spec, const Minibatch& batch, const Backend& backend)
    : spec_(spec),
      basis_(row_space_basis(batch)),
      rank_(static_cast<int>(basis_.cols())),
      reduced_(reduced_spec(spec, rank_), backend) {
  const Eigen::MatrixXd& q = basis_;
  const int n_0 = spec.n_inputs();
  q_.resize(static_cast<std::size_t>(n_0) * rank_);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(q_.data(), n_0, rank_) =
      q.cast<float>();
  // The reduced network's images: X Q (B × r).
  Minibatch& reduced_batch = reduced_.batch();
  reduced_batch.batch_size = batch.batch_size;
  reduced_batch.pixels = rank_;
  reduced_batch.labels = batch.labels;
  reduced_batch.images.resize(static_cast<std::size_t>(batch.batch_size) * rank_);
  const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> x(
      batch.images.data(), batch.batch_size, n_0);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      reduced_batch.images.data(), batch.batch_size, rank_) = (x.cast<double>() * q).cast<float>();
}

void RowSpaceReduction::reduce(ConstVecRef x, VecRef theta) const {
  const int n_0 = spec_.n_inputs(), n_1 = spec_.widths[1];
  const int64_t first = static_cast<int64_t>(n_0) * n_1;  // W_1 entries
  const int64_t reduced_first = static_cast<int64_t>(rank_) * n_1;
  // S = Qᵀ W_1
  if (rank_ > 0)
    gemm(true, false, rank_, n_1, n_0, 1.0f, q_.data(), rank_, x.data(), n_1, 0.0f, theta.data(), n_1);
  theta.tail(theta.size() - reduced_first) = x.tail(x.size() - first);
}

void RowSpaceReduction::expand(ConstVecRef theta, VecRef x) const {
  const int n_0 = spec_.n_inputs(), n_1 = spec_.widths[1];
  const int64_t first = static_cast<int64_t>(n_0) * n_1;
  const int64_t reduced_first = static_cast<int64_t>(rank_) * n_1;
  // W_1 = Q S
  if (rank_ > 0)
    gemm(false, false, n_0, n_1, rank_, 1.0f, q_.data(), rank_, theta.data(), n_1, 0.0f, x.data(), n_1);
  else
    x.head(first).setZero();
  x.tail(x.size() - first) = theta.tail(theta.size() - reduced_first);
}

}  // namespace valley
