#include "valley/methods/base_optimizer.h"

#include <algorithm>

#include "valley/core/error.h"

namespace valley {

BaseOptimizer::BaseOptimizer(BaseOptimizerSettings settings)
    : settings_(std::move(settings)),
      plain_(settings_.momentum == 0.0 && settings_.weight_decay == 0.0 && settings_.lr_drops.empty()) {
  std::sort(settings_.lr_drops.begin(), settings_.lr_drops.end());
}

double BaseOptimizer::lr(uint64_t k) const {
  double rate = settings_.lr;
  for (const int64_t drop : settings_.lr_drops)
    if (static_cast<int64_t>(k) >= drop) rate *= settings_.drop_factor;
  return rate;
}

void BaseOptimizer::step(Vec& x, Vec& g, uint64_t k) {
  if (plain_) {
    x -= static_cast<float>(settings_.lr) * g;  // x_{k+1} = x_k − lr g, as plain SGD
    return;
  }
  if (settings_.weight_decay != 0.0) g += static_cast<float>(settings_.weight_decay) * x;
  if (settings_.momentum != 0.0) {
    const auto m = static_cast<float>(settings_.momentum);
    if (buffer_.size() == 0) buffer_.setZero(g.size());
    if (buffer_.size() != g.size())
      fail("the momentum buffer holds {} numbers, but the parameters are {}", buffer_.size(), g.size());
    buffer_ = m * buffer_ + g;  // b ← m b + g
    if (settings_.nesterov)
      g += m * buffer_;  // d = g + m b
    else
      g = buffer_;  // d = b
  }
  x -= static_cast<float>(lr(k)) * g;
}

void BaseOptimizer::add_settings(nlohmann::json& out) const {
  out["lr"] = static_cast<float>(settings_.lr);
  if (plain_) return;
  out["momentum"] = settings_.momentum;
  out["nesterov"] = settings_.nesterov;
  out["weight_decay"] = settings_.weight_decay;
  out["lr_drops"] = settings_.lr_drops;
  out["lr_drop_factor"] = settings_.drop_factor;
}

std::vector<float> BaseOptimizer::state() const {
  return {buffer_.data(), buffer_.data() + buffer_.size()};
}

void BaseOptimizer::restore_state(std::span<const float> state, const char* method) {
  if (!state.empty() && settings_.momentum == 0.0)
    fail("{} without momentum carries no state, but was given {} numbers", method, state.size());
  buffer_ = Eigen::Map<const Vec>(state.data(), static_cast<Eigen::Index>(state.size()));
}

}  // namespace valley
