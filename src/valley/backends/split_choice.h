// Whether a recurring piece of parallel work is worth handing to other
// threads. Splitting ∇f's first layer over two cores halves its products but
// costs a hand-over (waking or signalling a worker, moving the halves of z_1
// and ∇W_1 between caches); which wins depends on the machine, its load and
// the network: on one Intel Xeon SGD on 784-200-10 took 0.114 ms per update
// on one thread and 0.165 ms split over two. The work is always cut into the
// same fixed pieces and each piece computes the same numbers whichever thread
// runs it, so the choice changes the speed and never a result: it is made by
// timing. The first 2·kTrials calls alternate between splitting and running
// the pieces one after another on the calling thread; after that the way with
// the smaller median time is kept.
#pragma once

#include <array>

namespace valley {

class SplitChoice {
 public:
  enum class Policy { measure, always, never };
  static constexpr int kTrials = 7;

  // Tests and benchmarks may fix the choice.
  void set_policy(Policy policy);

  // Whether the call about to start should split (when it can: with one
  // thread, or inside another parallel_for, the pieces run in turn anyway).
  bool split() const;

  // Whether the choice is made, and no more timings are needed.
  bool decided() const { return policy_ != Policy::measure || n_timed_ == 2 * kTrials; }

  // The call that split() was asked about took `seconds`.
  void record(double seconds);

 private:
  Policy policy_ = Policy::measure;
  int n_timed_ = 0;
  std::array<double, 2 * kTrials> seconds_{};  // even: split, odd: in turn
  bool split_ = true;                          // the choice, once made
};

}  // namespace valley
