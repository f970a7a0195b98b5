#include "valley/methods/method_config.h"

#include <cmath>

#include "valley/core/error.h"
#include "valley/methods/method_table.h"

namespace valley {
namespace {

int64_t floor_sqrt(int64_t s) {
  auto r = static_cast<int64_t>(std::sqrt(static_cast<double>(s)));
  while (r * r > s) --r;
  while ((r + 1) * (r + 1) <= s) ++r;
  return r;
}

}  // namespace

const SettingsGroup& common_settings() {
  static const SettingsGroup group{
      "common",
      {
          {.key = "method",
           .at = [](MethodConfig& c) -> FieldRef { return &c.name; },
           .help = "sgd: plain SGD; sgld / is: local entropy (Alg. 1) with the SGLD (Alg. 3) or "
                   "importance-sampling (Alg. 4) mean estimator; heat: heat regularization by "
                   "Robbins–Monro (Alg. 2 + 5); sam: sharpness-aware minimization (Foret et al. "
                   "2021); entropy-sgd: Entropy-SGD (Chaudhari et al. 2017) as its reference code "
                   "computes it",
           .check =
               [](const FieldRef& value, const std::string& flag) {
                 const std::string& name = *std::get<std::string*>(value);
                 if (find_method(name) == nullptr)
                   fail("{}: unknown method '{}' (valid: {})", flag, name, method_names());
               }},
          {.key = "seed",
           .at = [](MethodConfig& c) -> FieldRef { return &c.seed; },
           .help = "Seed of every random number (initial weights, minibatches, noise)",
           .in_experiments = false},
          {.key = "lr",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sgd.lr; },
           .help = "Learning rate of sgd, sam and entropy-sgd's outer step (also used by --sgd-first); "
                   "entropy-sgd steps along x_c − μ, not γ(x_c − μ) as its paper writes, following "
                   "its reference code",
           .check = check::positive()},
      }};
  return group;
}

TauSchedule MethodConfig::tau_schedule() const {
  TauSchedule schedule;
  schedule.kind = TauSchedule::parse_kind(regularization.schedule);
  schedule.tau_0 = regularization.tau_0.value_or(regularization.tau);
  schedule.tau_1 = regularization.tau_1;
  return schedule;
}

int64_t MethodConfig::heat_iterations() const {
  return heat.n_iterations.value_or(n_samples ? floor_sqrt(*n_samples) : 30);
}

int64_t MethodConfig::heat_draws() const {
  return heat.n_draws.value_or(n_samples ? floor_sqrt(*n_samples) : 30);
}

void validate(const MethodConfig& config) {
  MethodConfig fields = config;  // the field references are to a mutable config
  for (const SettingsGroup* group : settings_groups()) {
    for (const MethodField& field : group->fields)
      if (field.check) field.check(field.at(fields), "--" + std::string(field.key));
    if (group->check != nullptr) group->check(config);
  }
}

}  // namespace valley
