#include "valley/methods/heat.h"

#include <cmath>
#include <limits>
#include <memory>
#include <span>

#include "valley/core/error.h"
#include "valley/methods/method_table.h"
#include "valley/methods/projected_heat.h"
#include "valley/sampling/stop_point.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

Heat::Heat(HeatSettings settings, TauSchedule schedule, const Backend& backend, Device* device)
    : settings_(settings), schedule_(schedule), work_(make_robbins_monro_work(backend, device)) {}

UpdateStats Heat::step(Vec& x, Objective& f, uint64_t k) {
  const double tau = schedule_.tau(k);
  if (steps_.empty())  // a_j = c j^(−α), j = 1 … J
    for (int64_t j = 1; j <= settings_.n_iterations; ++j)
      steps_.push_back(static_cast<float>(robbins_monro_step(settings_.c, settings_.alpha, j)));
  const int64_t n_draws = settings_.n_draws;
  const RobbinsMonroRun run{static_cast<float>(std::sqrt(tau)),
                            static_cast<float>(tau / static_cast<double>(n_draws)),
                            n_draws,
                            settings_.seed,
                            static_cast<uint32_t>(k),
                            steps_};
  work_->iterate(x, f, run);  // x_{k+1} = x^J of eq. 17, from x^0 = x_k
  return {tau, std::numeric_limits<double>::quiet_NaN()};
}

namespace {

// Eq. 17's iteration on the CPU (heat.h).
class CpuRobbinsMonroWork final : public RobbinsMonroWork {
 public:
  explicit CpuRobbinsMonroWork(const Backend& backend) : backend_(backend) {}
  void iterate(VecRef x, Objective& f, const RobbinsMonroRun& run) override;

 private:
  void gradient_sum(Objective& f, const RobbinsMonroRun& run, int64_t j);

  const Backend& backend_;
  Vec x_j_, z_, grad_, grad_sum_, noise_;
};

void CpuRobbinsMonroWork::iterate(VecRef x, Objective& f, const RobbinsMonroRun& run) {
  x_j_ = x;  // x^0 = x_k
  for (int64_t j = 1; j <= static_cast<int64_t>(run.steps.size()); ++j) {
    stop_point();
    gradient_sum(f, run, j);  // Σ_m ∇f(z^(m)),  z^(m) = x^{j−1} + √τ ξ_m
    // eq. 17: x^j = x^{j−1} − a_j {x^{j−1} − x_k + (τ/M) Σ_m ∇f(z^(m))}
    const float a_j = run.steps[static_cast<std::size_t>(j - 1)];
    x_j_ -= a_j * (x_j_ - x + run.tau_over_m * grad_sum_);
  }
  x = x_j_;  // x_{k+1} = x^J
}

// Σ_m ∇f(z^(m)) into grad_sum_, z^(m) = x^{j−1} + σ ξ_m with ξ_m from the
// stream (seed, heat, k, j) at offset m·d: with a fresh minibatch per draw
// each gradient on its own, else the objective's perturbed sum (which
// shares what the draws have in common).
void CpuRobbinsMonroWork::gradient_sum(Objective& f, const RobbinsMonroRun& run, int64_t j) {
  const Eigen::Index d = x_j_.size();
  const NoiseKey key{run.seed, Stream::heat, run.k, static_cast<uint32_t>(j)};
  const auto draw = [&](int64_t m, std::span<float> xi) {
    backend_.fill_normal(key, static_cast<uint64_t>(m) * static_cast<uint64_t>(d), xi);
  };
  grad_sum_.resize(d);
  if (!f.fresh_inner_batches()) {
    f.set_centre(x_j_, run.sigma);
    f.perturbed_gradient_sum(run.n_draws, draw, grad_sum_);
    return;
  }
  z_.resize(d);
  grad_.resize(d);
  noise_.resize(d);
  grad_sum_.setZero();
  for (int64_t m = 0; m < run.n_draws; ++m) {
    f.select_inner_batch(static_cast<uint64_t>((j - 1) * run.n_draws + m));
    draw(m, {noise_.data(), static_cast<std::size_t>(d)});
    z_ = x_j_ + run.sigma * noise_;
    f.gradient(z_, grad_);
    grad_sum_ += grad_;
  }
}

}  // namespace

std::unique_ptr<RobbinsMonroWork> cpu_robbins_monro_work(const Backend& backend) {
  return std::make_unique<CpuRobbinsMonroWork>(backend);
}

nlohmann::json Heat::settings() const {
  return {{"method", std::string(method_name::kHeat)},
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
          fail(
              "--samples sets both --rm-iters and --rm-samples for heat (M = J = ⌊√S⌋); give one "
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
