#include "valley/methods/entropy_sgd.h"

#include <cmath>

#include "valley/core/error.h"
#include "valley/methods/method_table.h"
#include "valley/sampling/stop_point.h"

namespace valley {

EntropySgd::EntropySgd(EntropySgdSettings settings, BaseOptimizerSettings base, const Backend& backend)
    : settings_(settings), optimizer_(std::move(base)), backend_(backend) {}

double EntropySgd::gamma(uint64_t k) const {
  return settings_.gamma_0 * std::pow(1.0 + settings_.gamma_1, static_cast<double>(k));
}

UpdateStats EntropySgd::step(Vec& x, Objective& f, uint64_t k) {
  const Eigen::Index d = x.size();
  const BaseOptimizerSettings& base = optimizer_.settings();
  const auto m = static_cast<float>(base.momentum);
  const auto wd = static_cast<float>(base.weight_decay);
  const auto g = static_cast<float>(gamma(k));
  const auto lr = static_cast<float>(settings_.inner_lr);
  const auto noise_scale = static_cast<float>(settings_.noise / std::sqrt(0.5 * settings_.inner_lr));
  const auto beta = static_cast<float>(settings_.beta_1);
  grad_.resize(d);
  xi_.resize(d);
  if (m != 0.0f && optimizer_.buffer().size() == 0) {
    // The reference's outer buffer starts as a copy of the first gradient.
    f.gradient(x, grad_);
    optimizer_.buffer() = grad_;
  }
  centre_ = x;  // x_c
  w_ = x;
  mean_ = x;  // μ
  if (m != 0.0f) inner_buffer_.setZero(d);
  for (int64_t j = 0; j < settings_.n_langevin; ++j) {
    stop_point();
    f.select_inner_batch(static_cast<uint64_t>(j));
    f.gradient(w_, grad_);
    if (wd != 0.0f) grad_ += wd * w_;
    Vec* step = &grad_;
    if (m != 0.0f) {
      inner_buffer_ = m * inner_buffer_ + grad_;
      if (base.nesterov)
        grad_ += m * inner_buffer_;
      else
        step = &inner_buffer_;  // the reference's dw is the buffer itself
    }
    backend_.fill_normal(
        NoiseKey{settings_.seed, Stream::entropy_sgd, static_cast<uint32_t>(k), static_cast<uint32_t>(j)}, 0,
        {xi_.data(), static_cast<std::size_t>(d)});
    // g ← g − γ (x_c − w) + (ε/√(0.5 η')) ξ
    *step = *step - g * (centre_ - w_) + noise_scale * xi_;
    w_ -= lr * *step;
    mean_ = beta * mean_ + (1.0f - beta) * w_;  // μ ← β1 μ + (1 − β1) w
  }
  grad_ = centre_ - mean_;  // the outer gradient x_c − μ
  const double drift = grad_.cast<double>().norm();
  x = centre_;
  optimizer_.step(x, grad_, k);
  UpdateStats stats;
  stats.gamma = gamma(k);
  stats.drift = drift;
  return stats;
}

nlohmann::json EntropySgd::settings() const {
  nlohmann::json out = {{"method", std::string(method_name::kEntropySgd)},
                        {"L", settings_.n_langevin},
                        {"gamma0", settings_.gamma_0},
                        {"gamma1", settings_.gamma_1},
                        {"noise", settings_.noise},
                        {"inner_lr", settings_.inner_lr},
                        {"beta1", settings_.beta_1}};
  optimizer_.add_settings(out);
  return out;
}

const SettingsGroup& entropy_sgd_settings() {
  static const SettingsGroup group{
      method_name::kEntropySgd,
      {
          {.key = "L",
           .at = [](MethodConfig& c) -> FieldRef { return &c.entropy_sgd.n_langevin; },
           .help = "Entropy-SGD: Langevin (inner) steps per update, each on a "
                   "fresh minibatch (reference: -L)",
           .check =
               [](const FieldRef& value, const std::string& flag) {
                 const int64_t n = *std::get<int64_t*>(value);
                 if (n < 1 || n > 100000)
                   fail("{} (Langevin steps) must be between 1 and 100000 (got {})", flag, n);
               },
           .added_later = true},
          {.key = "gamma0",
           .at = [](MethodConfig& c) -> FieldRef { return &c.entropy_sgd.gamma_0; },
           .help = "Entropy-SGD: scope γ0 in γ_k = γ0 (1 + γ1)^k (reference: gamma)",
           .check = check::positive(),
           .added_later = true},
          {.key = "gamma1",
           .at = [](MethodConfig& c) -> FieldRef { return &c.entropy_sgd.gamma_1; },
           .help = "Entropy-SGD: scoping γ1 (reference: scoping; its "
                   "python/optim.py never advances k, so γ stays γ0 there)",
           .check = check::non_negative(),
           .added_later = true},
          {.key = "noise",
           .at = [](MethodConfig& c) -> FieldRef { return &c.entropy_sgd.noise; },
           .help = "Entropy-SGD: thermal noise ε; the inner gradient gets "
                   "(ε/√(0.5 η')) ξ, as the reference code (the paper: √η' ε ξ "
                   "on the step) (reference: noise)",
           .check = check::non_negative(),
           .added_later = true},
          {.key = "inner-lr",
           .at = [](MethodConfig& c) -> FieldRef { return &c.entropy_sgd.inner_lr; },
           .help = "Entropy-SGD: inner step η' (reference: langevin lr, fixed 0.1)",
           .check = check::positive(),
           .added_later = true},
          {.key = "beta1",
           .at = [](MethodConfig& c) -> FieldRef { return &c.entropy_sgd.beta_1; },
           .help = "Entropy-SGD: μ ← β1 μ + (1 − β1) w, β1 in [0, 1) (reference: "
                   "langevin beta1, fixed 0.75)",
           .check = check::lies_in("[0, 1)", [](double v) { return v >= 0 && v < 1; }),
           .added_later = true},
      }};
  return group;
}

std::unique_ptr<Method> make_entropy_sgd(const MethodConfig& config, const Backend& backend, Device*) {
  EntropySgdSettings settings = config.entropy_sgd;
  settings.seed = config.seed;
  return std::make_unique<EntropySgd>(settings, base_optimizer_settings(config), backend);
}

}  // namespace valley
