// Algorithms 2 and 5: minimize the heat-regularized loss F^H_τ (§2.2) by
// taking x_{k+1} = argmin_x KL(φ_{x,τ} ‖ q_{x_k,τ}), the zero of
//   h(x) = x − x_k + τ E_{Y∼φ_{x,τ}} ∇f(Y)                       (§5.2)
// found by Robbins–Monro (eq. 17): from x^0 = x_k, for j = 1 … J,
//   x^j = x^{j−1} − a_j { x^{j−1} − x_k + (τ/M) Σ_m ∇f(z^(m)) },
//   z^(m) = x^{j−1} + √τ ξ_m ∼ φ_{x^{j−1},τ},  a_j = c j^(−α),
// and x_{k+1} = x^J. The paper's indexing (x^0 = x, loop from j = 1, output
// x^J) is read as J iterations with steps a_1 … a_J. M·J gradient
// evaluations per update; defaults J = M = 30, c = 0.1, α = 0.7 (Fig. 4).
//
// On a device (backends/device.h) the whole iteration runs there
// (Device::robbins_monro): the M draws of an iteration batched, the same
// noise, and the steps a_j and τ/M computed here.
#pragma once

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/methods/method.h"
#include "valley/methods/method_table.h"
#include "valley/schedules/tau_schedule.h"

namespace valley {

struct HeatSettings {
  int64_t n_iterations = 30;  // J
  int64_t n_draws = 30;       // M
  double c = 0.1;
  double alpha = 0.7;
  uint64_t seed = 1;
};

// The settings of `config` as heat takes them: J and M from --rm-iters and
// --rm-samples, or both ⌊√S⌋ from --samples S.
HeatSettings heat_settings_of(const MethodConfig& config);

class Heat final : public Method {
 public:
  Heat(HeatSettings settings, TauSchedule schedule, const Backend& backend, Device* device = nullptr);

  std::string name() const override { return std::string(method_name::kHeat); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;

 private:
  HeatSettings settings_;
  TauSchedule schedule_;
  const Backend& backend_;
  Device* device_;
  std::vector<float> steps_;  // a_1 … a_J (on a device)
  Vec x_j_, z_, grad_, grad_sum_, noise_;
};

// --rm-iters, --rm-samples, --rm-c, --rm-alpha (methods/method_table.h).
const SettingsGroup& heat_settings();

// The factory (Heat, or ProjectedHeat unless --sampler full) of the method table's row (methods/method_table.h).
std::unique_ptr<Method> make_heat(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
