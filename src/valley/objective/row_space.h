// The row-space reduction of the network on one minibatch X (B × n_0): the
// loss sees W_1 only through X W_1 = X P W_1 with P = Q Qᵀ, Q (n_0 × r) an
// orthonormal basis of X's row space, r = rank X ≤ B. So with
// S = Qᵀ W_1 (r × n_1), f(x) = g(S, b_1, W_2, b_2, …), where g is the same
// network with input width r on the images X Q. R x = (Qᵀ W_1, b_1, W_2, …)
// has orthonormal rows. Duplicate or all-zero images only lower r.
#pragma once

#include <Eigen/Core>

#include "valley/backends/backend.h"
#include "valley/data/minibatch.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/objective/reduction.h"

namespace valley {

class RowSpaceReduction final : public Reduction {
 public:
  RowSpaceReduction(const NetSpec& spec, const Minibatch& batch, const Backend& backend);

  Objective& reduced() override { return reduced_; }
  int64_t reduced_dim() const override { return reduced_.dim(); }
  void reduce(ConstVecRef x, VecRef theta) const override;
  void expand(ConstVecRef theta, VecRef x) const override;

  int rank() const { return rank_; }

 private:
  NetSpec spec_;
  Eigen::MatrixXd basis_;  // Q in double
  int rank_ = 0;
  std::vector<float> q_;  // Q, n_0 × r, row-major
  BatchMlpObjective reduced_;
};

// The reduced network's shape: input width r, the rest as in spec.
NetSpec reduced_spec(const NetSpec& spec, int rank);

}  // namespace valley
