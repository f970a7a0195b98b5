// The base optimizer of sgd, sam and entropy-sgd: a step along a direction g
// (the gradient, or Entropy-SGD's x_c − μ) with weight decay, heavy-ball or
// Nesterov momentum and a step learning-rate schedule, as torch.optim.SGD
// (dampening 0) computes it:
//   g ← g + λ x                                   (--weight-decay λ)
//   b ← m b + g,  d = g + m b (Nesterov) or b     (--momentum m, b_0 = 0)
//   x ← x − lr_k d,  lr_k = lr · factor^(number of drops ≤ k)
// With none of them it is x ← x − lr g, bit for bit plain SGD. The buffer b
// is carried from update to update and saved in checkpoints.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/types.h"
#include "valley/methods/method_config.h"
#include "valley/methods/method_table.h"

namespace valley {

struct BaseOptimizerSettings {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  std::vector<int64_t> lr_drops;  // updates k from which the rate is multiplied by drop_factor
  double drop_factor = 0.1;
};

// The settings of `config` as the base optimizer of config.name takes them
// (lr, and the momentum and Nesterov defaults of the method).
BaseOptimizerSettings base_optimizer_settings(const MethodConfig& config);

// --momentum, --nesterov, --weight-decay, --lr-drops, --lr-drop-epochs,
// --lr-drop-factor (methods/method_table.h).
const SettingsGroup& base_settings();

class BaseOptimizer {
 public:
  explicit BaseOptimizer(BaseOptimizerSettings settings);

  // lr_k: the learning rate of update k.
  double lr(uint64_t k) const;

  // x ← x − lr_k d(g) as above; g is overwritten (it becomes the direction d).
  void step(Vec& x, Vec& g, uint64_t k);

  const BaseOptimizerSettings& settings() const { return settings_; }
  // No momentum, decay or schedule: the step is x ← x − lr g.
  bool plain() const { return plain_; }
  void add_settings(nlohmann::json& out) const;

  // The momentum buffer b (empty until the first step, or without momentum).
  Vec& buffer() { return buffer_; }
  std::vector<float> state() const;
  void restore_state(std::span<const float> state, const char* method);

 private:
  BaseOptimizerSettings settings_;
  bool plain_;  // no momentum, decay or schedule: plain SGD's x ← x − lr g
  Vec buffer_;
};

}  // namespace valley
