// The loss f seen by the methods (DESIGN "Data flow"): the only interface
// through which an algorithm touches the problem. Methods see x as a vector
// and call loss, gradient, and the perturbed evaluations f(x + σξ) around one
// centre x, where IS and heat spend their time. The network
// (objective/mlp_objective.h), the closed-form quadratic and the toy
// landscapes implement it.
//
// Every call is counted, so each update can report how many loss and gradient
// evaluations it used — a cost measure independent of hardware.
// d = parameters, M = draws.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "valley/core/types.h"

namespace valley {

class Reduction;

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
    n_loss_.fetch_add(1, std::memory_order_relaxed);
    return compute_loss(x);
  }

  // f(x); writes ∇f(x) into grad.
  double gradient(ConstVecRef x, VecRef grad) {
    n_gradient_.fetch_add(1, std::memory_order_relaxed);
    return compute_gradient(x, grad);
  }

  // Perturbed evaluations around a centre x: set_centre() fixes x and σ (an
  // objective may precompute what does not depend on ξ), then
  // perturbed_loss(ξ) = f(x + σξ). Up to n_workers() threads may call
  // perturbed_loss at once, each with its own worker index.
  void set_centre(ConstVecRef x, float sigma) {
    centre_ = x;
    sigma_ = sigma;
    prepare_centre();
  }
  virtual int n_workers() const { return 1; }
  double perturbed_loss(ConstVecRef xi, int worker) {
    n_loss_.fetch_add(1, std::memory_order_relaxed);
    return compute_perturbed_loss(xi, worker);
  }

  // Σ_{m<M} ∇f(x + σ ξ_m) around the centre, where draw(m, ξ) writes ξ_m.
  // Draws may run on several threads; the sum is the same for any number.
  using DrawFn = std::function<void(int64_t m, std::span<float> xi)>;
  void perturbed_gradient_sum(int64_t n_draws, const DrawFn& draw, VecRef grad_sum) {
    n_gradient_.fetch_add(n_draws, std::memory_order_relaxed);
    compute_perturbed_gradient_sum(n_draws, draw, grad_sum);
  }

  // Called by a method before inner step j of the current update. Objectives
  // that draw a fresh minibatch per inner step (--inner-batch fresh) switch
  // batch here; all others ignore it.
  virtual void select_inner_batch(uint64_t /*j*/) {}
  // Whether select_inner_batch changes the loss (then the perturbed
  // evaluations, which share one minibatch, do not apply).
  virtual bool fresh_inner_batches() const { return false; }

  // An exact reduction of f for the current update (objective/reduction.h),
  // or none.
  virtual std::unique_ptr<Reduction> make_reduction();

  EvalCounts counts() const { return {n_loss_.load(), n_gradient_.load()}; }
  // Adds evaluations made on an equivalent objective (a reduction of this one).
  void add_counts(const EvalCounts& counts) {
    n_loss_ += counts.n_loss;
    n_gradient_ += counts.n_gradient;
  }
  void reset_counts() {
    n_loss_ = 0;
    n_gradient_ = 0;
  }

 protected:
  virtual double compute_loss(ConstVecRef x) = 0;
  virtual double compute_gradient(ConstVecRef x, VecRef grad) = 0;
  // The defaults form x + σξ and call compute_loss / compute_gradient.
  virtual void prepare_centre() {}
  virtual double compute_perturbed_loss(ConstVecRef xi, int worker);
  virtual void compute_perturbed_gradient_sum(int64_t n_draws, const DrawFn& draw, VecRef grad_sum);

  const Vec& centre() const { return centre_; }
  float sigma() const { return sigma_; }

 private:
  std::atomic<int64_t> n_loss_{0};
  std::atomic<int64_t> n_gradient_{0};
  Vec centre_;
  float sigma_ = 0.0f;
  Vec point_, xi_, grad_;  // scratch of the default implementations
};

}  // namespace valley
