// Sharpness-aware minimization (Foret et al., ICLR 2021), and its adaptive
// form ASAM (Kwon et al., ICML 2021). One update on the current minibatch:
//   g = ∇f(w)
//   SAM:  ε̂ = ρ g / ‖g‖
//   ASAM: ε̂ = ρ T_w² g / ‖T_w g‖,  T_w = diag(|w| + η)
//   w ← base optimizer step along ∇f(w + ε̂)       (methods/base_optimizer.h)
// Two gradients per update. As the reference implementations, ‖·‖ gets
// 10⁻¹² added so that a zero gradient gives ε̂ = 0. valley's T_w applies to
// every coordinate, biases included (Kwon et al.'s code leaves biases at
// T_w = 1). ρ = 0 is plain SGD, bit for bit.
#pragma once

#include "valley/methods/base_optimizer.h"
#include "valley/methods/method.h"
#include "valley/methods/method_table.h"

namespace valley {

// SamSettings: methods/method_config.h.
class Sam final : public Method {
 public:
  Sam(SamSettings settings, BaseOptimizerSettings base);

  std::string name() const override { return std::string(method_name::kSam); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return optimizer_.state(); }
  void restore_state(std::span<const float> state) override {
    optimizer_.restore_state(state, method_name::kSam.data());
  }

 private:
  SamSettings settings_;
  BaseOptimizer optimizer_;
  Vec grad_, scaled_, perturbed_;
};

// --rho, --adaptive, --asam-eta (methods/method_table.h).
const SettingsGroup& sam_settings();

// The factory of the method table's row (methods/method_table.h).
std::unique_ptr<Method> make_sam(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
