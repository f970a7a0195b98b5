// The loss f seen by the methods (DESIGN "Data flow"): the only interface
// through which an algorithm touches the problem. Methods see x as a vector
// and call loss, gradient, and losses — f at many parameter vectors at once,
// where IS and heat spend their time. The network (objective/mlp_objective.h),
// the closed-form quadratic and the toy landscapes implement it.
//
// Every call is counted, so each update can report how many loss and gradient
// evaluations it used — a cost measure independent of hardware.
// d = parameters, n = parameter vectors evaluated at once.
#pragma once

#include <cstdint>
#include <span>

#include "valley/core/types.h"

namespace valley {

struct EvalCounts {
  int64_t n_loss = 0;      // evaluations of f alone (one per parameter vector)
  int64_t n_gradient = 0;  // evaluations of ∇f (each also yields f)
};

class Objective {
 public:
  virtual ~Objective() = default;

  virtual int64_t dim() const = 0;

  // f(x)
  double loss(ConstVecRef x) {
    ++counts_.n_loss;
    return compute_loss(x);
  }

  // f(x); writes ∇f(x) into grad.
  double gradient(ConstVecRef x, VecRef grad) {
    ++counts_.n_gradient;
    return compute_gradient(x, grad);
  }

  // out[s] = f(xs.col(s)) for every column s of the d × n matrix xs.
  void losses(ConstSamplesRef xs, std::span<double> out) {
    counts_.n_loss += xs.cols();
    compute_losses(xs, out);
  }

  // Called by a method before inner step j of the current update. Objectives
  // that draw a fresh minibatch per inner step (--inner-batch fresh) switch
  // batch here; all others ignore it.
  virtual void select_inner_batch(uint64_t /*j*/) {}
  // Whether select_inner_batch changes the loss (then batched evaluation of
  // many samples on one minibatch does not apply).
  virtual bool fresh_inner_batches() const { return false; }

  const EvalCounts& counts() const { return counts_; }
  void reset_counts() { counts_ = {}; }

 protected:
  virtual double compute_loss(ConstVecRef x) = 0;
  virtual double compute_gradient(ConstVecRef x, VecRef grad) = 0;
  // The default evaluates the columns one by one.
  virtual void compute_losses(ConstSamplesRef xs, std::span<double> out);

 private:
  EvalCounts counts_;
};

}  // namespace valley
