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
// The iteration is the method's heavy part, a RobbinsMonroWork: on the CPU
// the loop of eq. 17 (heat.cpp, the reference), on a device
// (backends/device.h) the whole iteration there (methods/on_device.cpp:
// Device::robbins_monro: the M draws of an iteration batched, the same
// noise); the steps a_j, σ and τ/M are computed here for both.
#pragma once

#include <memory>
#include <vector>

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

// Alg. 5's iteration for one update, x_k → x_{k+1} = x^J by eq. 17, with
// the run's draws, steps a_j, σ and τ/M (RobbinsMonroRun, backends/device.h).
class RobbinsMonroWork {
 public:
  virtual ~RobbinsMonroWork() = default;
  virtual void iterate(VecRef x, Objective& f, const RobbinsMonroRun& run) = 0;
};

// On the CPU (heat.cpp).
std::unique_ptr<RobbinsMonroWork> cpu_robbins_monro_work(const Backend& backend);
// On `device`, or on the CPU without one (methods/on_device.cpp).
std::unique_ptr<RobbinsMonroWork> make_robbins_monro_work(const Backend& backend, Device* device);

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
  std::unique_ptr<RobbinsMonroWork> work_;
  std::vector<float> steps_;  // a_1 … a_J
};

// --rm-iters, --rm-samples, --rm-c, --rm-alpha (methods/method_table.h).
const SettingsGroup& heat_settings();

// The factory (Heat, or ProjectedHeat unless --sampler full) of the method table's row
// (methods/method_table.h).
std::unique_ptr<Method> make_heat(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
