// §6.3 / Fig. 5: plain SGD for the first N updates, then a regularized method
// (the paper sets the SGD step equal to τ). Update indices k keep counting
// across the switch, so the random streams and τ schedule stay those of k.
#pragma once

#include <memory>

#include "valley/methods/method.h"

namespace valley {

class SgdFirst final : public Method {
 public:
  // `sgd` runs the first n_sgd_updates updates (methods/sgd.h, or its
  // counterpart on a device), `then` the rest.
  SgdFirst(int64_t n_sgd_updates, std::unique_ptr<Method> sgd, std::unique_ptr<Method> then);

  std::string name() const override { return then_->name(); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return then_->state(); }
  void restore_state(std::span<const float> state) override { then_->restore_state(state); }
  const Vec* variances() const override { return then_->variances(); }

 private:
  int64_t n_sgd_updates_;
  std::unique_ptr<Method> sgd_;
  std::unique_ptr<Method> then_;
};

}  // namespace valley
