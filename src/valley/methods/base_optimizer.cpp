#include "valley/methods/base_optimizer.h"

#include <algorithm>
#include <cmath>

#include "valley/core/error.h"
#include "valley/methods/method_table.h"

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

std::vector<float> BaseOptimizer::state() const { return {buffer_.data(), buffer_.data() + buffer_.size()}; }

void BaseOptimizer::restore_state(std::span<const float> state, const char* method) {
  if (!state.empty() && settings_.momentum == 0.0)
    fail("{} without momentum carries no state, but was given {} numbers", method, state.size());
  buffer_ = Eigen::Map<const Vec>(state.data(), static_cast<Eigen::Index>(state.size()));
}

BaseOptimizerSettings base_optimizer_settings(const MethodConfig& config) {
  return {config.sgd.lr,        config.momentum(),         config.nesterov(), config.base.weight_decay,
          config.base.lr_drops, config.base.lr_drop_factor};
}

// The base optimizer's settings, as sgd, sam and entropy-sgd take them; lr
// is common to all methods (--sgd-first uses it too).
const SettingsGroup& base_settings() {
  static const SettingsGroup group{
      "base",
      {
          {.key = "momentum",
           .at = [](MethodConfig& c) -> FieldRef { return &c.base.momentum; },
           .help = "Momentum m in [0, 1) of sgd, sam and entropy-sgd (inner and outer "
                   "loops): b ← m b + g (default 0; entropy-sgd: 0.9, as its "
                   "reference's train.py)",
           .check = check::lies_in("[0, 1)", [](double v) { return v >= 0 && v < 1; }),
           .added_later = true},
          {.key = "nesterov",
           .at = [](MethodConfig& c) -> FieldRef { return &c.base.nesterov; },
           .help = "Nesterov momentum: step along g + m b (default for entropy-sgd)",
           .added_later = true,
           .negated_help = "Heavy-ball momentum: step along b (entropy-sgd's default is Nesterov)"},
          {.key = "weight-decay",
           .at = [](MethodConfig& c) -> FieldRef { return &c.base.weight_decay; },
           .help = "Weight decay λ: g ← g + λ x (reference Entropy-SGD: l2)",
           .check = check::non_negative(),
           .added_later = true},
          {.key = "lr-drops",
           .at = [](MethodConfig& c) -> FieldRef { return &c.base.lr_drops; },
           .help = "Updates k (comma-separated) from which the learning rate is "
                   "multiplied by --lr-drop-factor (a step schedule)",
           .check =
               [](const FieldRef& value, const std::string& flag) {
                 for (const int64_t drop : *std::get<std::vector<int64_t>*>(value))
                   if (drop < 1) fail("{}: every update must be ≥ 1 (got {})", flag, drop);
               },
           .added_later = true},
          {.key = "lr-drop-epochs",
           .at = [](MethodConfig& c) -> FieldRef { return &c.base.lr_drop_epochs; },
           .help = "Epochs e (comma-separated) after which the learning rate is "
                   "multiplied by --lr-drop-factor (instead of --lr-drops). An "
                   "epoch is ceil(N/B) minibatch evaluations (N training images, "
                   "batch B): ceil(N/B) updates of sgd and sam (SAM's two "
                   "gradients share a minibatch), ceil(N/B)/L updates, rounded "
                   "up, of entropy-sgd, whose update draws L fresh minibatches "
                   "(one with --inner-batch same)",
           .check =
               [](const FieldRef& value, const std::string& flag) {
                 for (const int64_t epoch : *std::get<std::vector<int64_t>*>(value))
                   if (epoch < 1 || epoch > 1'000'000)
                     fail("{}: every epoch must be between 1 and 10^6 (got {})", flag, epoch);
               },
           .added_later = true},
          {.key = "lr-drop-factor",
           .at = [](MethodConfig& c) -> FieldRef { return &c.base.lr_drop_factor; },
           .help = "Factor in (0, 1] applied at each of --lr-drops or --lr-drop-epochs",
           .check = check::lies_in("(0, 1]", [](double v) { return std::isfinite(v) && v > 0 && v <= 1; }),
           .added_later = true},
      },
      [](const MethodConfig& config) {
        // A setting of the base optimizer given to a method without one.
        static MethodConfig defaults;
        MethodConfig given = config;
        for (const MethodField& field : base_settings().fields)
          if (!applies_to(field, config.name) && !field_equal(field.at(given), field.at(defaults)))
            fail("--{} does not apply to --method {}", field.key, config.name);
        if (config.nesterov() && config.momentum() == 0)
          fail("--nesterov needs a momentum: give --momentum m with 0 < m < 1");
        if (!config.base.lr_drop_epochs.empty() && !config.base.lr_drops.empty())
          fail("--lr-drops and --lr-drop-epochs: give the drops in updates or in epochs, not both");
      }};
  return group;
}

}  // namespace valley
