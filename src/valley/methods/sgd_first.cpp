#include "valley/methods/sgd_first.h"

namespace valley {

SgdFirst::SgdFirst(int64_t n_sgd_updates, std::unique_ptr<Method> sgd, std::unique_ptr<Method> then)
    : n_sgd_updates_(n_sgd_updates), sgd_(std::move(sgd)), then_(std::move(then)) {}

UpdateStats SgdFirst::step(Vec& x, Objective& f, uint64_t k) {
  if (static_cast<int64_t>(k) < n_sgd_updates_) return sgd_->step(x, f, k);
  return then_->step(x, f, k);
}

nlohmann::json SgdFirst::settings() const {
  nlohmann::json out = then_->settings();
  out["sgd_first"] = n_sgd_updates_;
  out["sgd_first_lr"] = sgd_->settings()["lr"];
  return out;
}

}  // namespace valley
