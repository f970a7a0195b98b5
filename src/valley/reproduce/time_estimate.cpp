#include "valley/reproduce/time_estimate.h"

#include <algorithm>

#include <fmt/format.h>

#include "valley/methods/method_names.h"
#include "valley/train/trainer.h"

namespace valley {

std::string UpdateKind::str() const {
  std::string out = fmt::format("{} on {}, batch {}", method, net, batch_size);
  if (method == method_name::kSgld || method == method_name::kIs) out += fmt::format(", J = {}", n_samples);
  if (method == method_name::kHeat) out += fmt::format(", J = {}, M = {}", n_iterations, n_draws);
  if (method == method_name::kEntropySgd) out += fmt::format(", L = {}", n_iterations);
  if (!sampler.empty()) out += ", sampler " + sampler;
  return out;
}

MethodConfig UpdateKind::method_config() const {
  MethodConfig config;
  config.name = method;
  if (!sampler.empty()) config.sampler = sampler;
  if (method == method_name::kSgld || method == method_name::kIs) config.n_samples = n_samples;
  if (method == method_name::kHeat) {
    config.heat.n_iterations = n_iterations;
    config.heat.n_draws = n_draws;
  }
  if (method == method_name::kEntropySgd) config.entropy_sgd.n_langevin = n_iterations;
  return config;
}

std::string EvalKind::str() const { return fmt::format("evaluation of {} on {} images", net, n_images); }

int64_t Workload::n_updates() const {
  int64_t n = 0;
  for (const auto& [kind, count] : updates) n += count;
  return n;
}

Workload workload_of(const Experiment& experiment) {
  Workload w;
  for (const ExperimentRun& run : experiment.runs) {
    const TrainConfig c = resolve_sampler(run.config);
    const MethodConfig& m = c.method;
    UpdateKind kind{m.name, c.net, c.batch_size, 0, 0, 0, ""};
    if (m.name == method_name::kSgld || m.name == method_name::kIs) kind.n_samples = m.sgld_is_samples();
    if (m.name == method_name::kHeat) {
      kind.n_iterations = m.heat_iterations();
      kind.n_draws = m.heat_draws();
    }
    if (m.name == method_name::kEntropySgd) kind.n_iterations = m.entropy_sgd.n_langevin;
    const bool sampled =
        m.name == method_name::kSgld || m.name == method_name::kIs || m.name == method_name::kHeat;
    if (sampled) kind.sampler = m.sampler;
    const int64_t n_sgd = std::min(m.sgd_first, c.n_updates);
    if (n_sgd > 0) w.updates[UpdateKind{"sgd", c.net, c.batch_size, 0, 0, 0, ""}] += n_sgd;
    if (c.n_updates > n_sgd) w.updates[kind] += c.n_updates - n_sgd;
    // A row at update 0, every eval_every updates, and at the end.
    const int64_t n_rows = 1 + c.n_updates / c.eval_every + (c.n_updates % c.eval_every != 0 ? 1 : 0);
    w.evaluations[EvalKind{c.net, c.eval_size + kTrainLossImages}] += n_rows;
  }
  return w;
}

double estimate_seconds(const Workload& workload, int64_t n_seeds, const UnitSeconds& seconds) {
  double total = 0.0;
  for (const auto& [kind, n] : workload.updates)
    total += static_cast<double>(n) * seconds.per_update.at(kind);
  for (const auto& [kind, n] : workload.evaluations)
    total += static_cast<double>(n) * seconds.per_evaluation.at(kind);
  return total * static_cast<double>(n_seeds);
}

}  // namespace valley
