#include "valley/methods/heat.h"

#include <cmath>

#include "valley/core/error.h"
#include "valley/methods/method_table.h"
#include "valley/methods/projected_heat.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

Heat::Heat(HeatSettings settings, TauSchedule schedule, const Backend& backend, Device* device)
    : settings_(settings), schedule_(schedule), backend_(backend), device_(device) {}

UpdateStats Heat::step(Vec& x, Objective& f, uint64_t k) {
  const double tau = schedule_.tau(k);
  const Eigen::Index d = x.size();
  const float sigma = static_cast<float>(std::sqrt(tau));
  const int64_t n_draws = settings_.n_draws;
  if (device_ != nullptr) {
    const MlpBatch batch = device_batch_of(f, "heat");
    steps_.resize(static_cast<std::size_t>(settings_.n_iterations));
    for (int64_t j = 1; j <= settings_.n_iterations; ++j)
      steps_[static_cast<std::size_t>(j - 1)] = static_cast<float>(robbins_monro_step(settings_.c, settings_.alpha, j));
    const RobbinsMonroRun run{sigma, static_cast<float>(tau / static_cast<double>(n_draws)), n_draws, settings_.seed,
                              static_cast<uint32_t>(k), steps_};
    device_->robbins_monro(x, batch, run);  // x^0 = x_k … x^J, eq. 17 on the device
    f.add_counts({0, n_draws * settings_.n_iterations});
    return {tau, std::numeric_limits<double>::quiet_NaN()};
  }
  x_j_ = x;  // x^0 = x_k
  z_.resize(d);
  grad_.resize(d);
  grad_sum_.resize(d);
  noise_.resize(d);
  const bool fresh = f.fresh_inner_batches();
  for (int64_t j = 1; j <= settings_.n_iterations; ++j) {
    // z^(m) = x^{j−1} + √τ ξ_m, ξ_m from the stream (seed, k, j) at offset m·d
    const NoiseKey key{settings_.seed, Stream::heat, static_cast<uint32_t>(k), static_cast<uint32_t>(j)};
    const auto draw = [&](int64_t m, std::span<float> xi) {
      backend_.fill_normal(key, static_cast<uint64_t>(m) * static_cast<uint64_t>(d), xi);
    };
    if (fresh) {
      // A new minibatch per draw: each gradient is evaluated on its own.
      grad_sum_.setZero();
      for (int64_t m = 0; m < n_draws; ++m) {
        f.select_inner_batch(static_cast<uint64_t>((j - 1) * n_draws + m));
        draw(m, {noise_.data(), static_cast<std::size_t>(d)});
        z_ = x_j_ + sigma * noise_;
        f.gradient(z_, grad_);
        grad_sum_ += grad_;
      }
    } else {
      f.set_centre(x_j_, sigma);
      f.perturbed_gradient_sum(n_draws, draw, grad_sum_);  // Σ_m ∇f(z^(m))
    }
    // eq. 17: x^j = x^{j−1} − a_j {x^{j−1} − x_k + (τ/M) Σ_m ∇f(z^(m))}
    const double a_j = robbins_monro_step(settings_.c, settings_.alpha, j);
    x_j_ -= static_cast<float>(a_j) *
            (x_j_ - x + static_cast<float>(tau / static_cast<double>(n_draws)) * grad_sum_);
  }
  x = x_j_;
  return {tau, std::numeric_limits<double>::quiet_NaN()};
}

nlohmann::json Heat::settings() const {
  return {{"method", "heat"},
          {"rm_iters", settings_.n_iterations},
          {"rm_samples", settings_.n_draws},
          {"rm_c", settings_.c},
          {"rm_alpha", settings_.alpha},
          {"tau_schedule", schedule_.kind_name()},
          {"tau0", schedule_.tau_0},
          {"tau1", schedule_.tau_1}};
}

HeatSettings heat_settings_of(const MethodConfig& config) {
  return {config.heat_iterations(), config.heat_draws(), config.heat.c, config.heat.alpha, config.seed};
}

const SettingsGroup& heat_settings() {
  static const SettingsGroup group{
      "heat",
      {
          {.key = "rm-iters",
           .at = [](MethodConfig& c) -> FieldRef { return &c.heat.n_iterations; },
           .help = "Robbins–Monro iterations J (default 30)",
           .check = check::at_least(1)},
          {.key = "rm-samples",
           .at = [](MethodConfig& c) -> FieldRef { return &c.heat.n_draws; },
           .help = "Draws M per Robbins–Monro iteration (default 30)",
           .check = check::at_least(1)},
          {.key = "rm-c",
           .at = [](MethodConfig& c) -> FieldRef { return &c.heat.c; },
           .help = "Robbins–Monro steps a_j = c j^(−α)",
           .check = check::positive()},
          {.key = "rm-alpha",
           .at = [](MethodConfig& c) -> FieldRef { return &c.heat.alpha; },
           .help = "α in a_j = c j^(−α), in (1/2, 1]",
           .check = check::lies_in("(1/2, 1]", [](double v) { return v > 0.5 && v <= 1.0; })},
      },
      [](const MethodConfig& config) {
        if (config.name == method_name::kHeat && config.n_samples &&
            (config.heat.n_iterations || config.heat.n_draws))
          fail("--samples sets both --rm-iters and --rm-samples for heat (M = J = ⌊√S⌋); give one "
               "or the others");
      }};
  return group;
}

std::unique_ptr<Method> make_heat(const MethodConfig& config, const Backend& backend, Device* device) {
  const HeatSettings settings = heat_settings_of(config);
  if (config.sampler != "full")
    return std::make_unique<ProjectedHeat>(settings, config.tau_schedule(), backend, device);
  return std::make_unique<Heat>(settings, config.tau_schedule(), backend, device);
}

}  // namespace valley
