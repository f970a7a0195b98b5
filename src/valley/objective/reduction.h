// An exact change of variables for the evaluations of one update: f(x) =
// g(R x) for a linear map R with orthonormal rows (R Rᵀ = I), so f never sees
// the part (I − RᵀR) x. For the network on one minibatch X, R maps W_1 to
// Qᵀ W_1 with Q an orthonormal basis of X's row space (objective/row_space.h).
// Methods run their inner loops on θ = R x with the reduced objective g and
// treat the unseen part in closed form (methods/projected_*.h).
#pragma once

#include <cstdint>
#include <memory>

#include "valley/core/types.h"
#include "valley/objective/objective.h"

namespace valley {

class Reduction {
 public:
  virtual ~Reduction() = default;

  // g, as a function of θ.
  virtual Objective& reduced() = 0;
  virtual int64_t reduced_dim() const = 0;

  // θ = R x
  virtual void reduce(ConstVecRef x, VecRef theta) const = 0;
  // x = Rᵀ θ
  virtual void expand(ConstVecRef theta, VecRef x) const = 0;

  // v ← (I − RᵀR) v: the part of v that f does not see.
  void project_out(VecRef v) const;

 private:
  mutable Vec theta_, seen_;
};

// f.make_reduction(), or a one-line error when f has none (the projected
// samplers need one minibatch per update and a network).
std::unique_ptr<Reduction> require_reduction(Objective& f);

}  // namespace valley
