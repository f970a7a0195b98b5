// Entropy-SGD (Chaudhari et al., ICLR 2017) as its reference implementation
// computes it (ucla-vision/entropy-sgd, python/optim.py, with train.py's
// momentum 0.9, Nesterov). Its objective is the local entropy F_τ of eq. 2
// with γ = 1/τ; its algorithm is not Algorithm 1. Update k, with momentum m,
// weight decay λ and Nesterov as the base optimizer's:
//   γ = γ0 (1 + γ1)^k;  x_c = w = μ = x_k;  inner buffer b' = 0
//   for j = 0 … L−1, each on a fresh minibatch (--inner-batch fresh):
//     g = ∇f(w) + λ w
//     b' ← m b' + g;  g ← g + m b' (Nesterov) or g ≡ b' (heavy ball)
//     g ← g − γ (x_c − w) + (ε/√(0.5 η')) ξ_j,   ξ_j ∼ N(0, I)
//     w ← w − η' g;   μ ← β1 μ + (1 − β1) w
//   x_{k+1} = base optimizer step from x_c along x_c − μ (not times γ), with
//   the same λ, m and Nesterov (the outer buffer b persists across updates).
// Where the reference's details differ from the paper, valley follows the
// reference:
//   - the noise is (ε/√(0.5 η')) ξ added to the inner gradient, so the step
//     adds ε √(2η') ξ (the paper's Alg. 1 adds √η' ε ξ);
//   - μ is an exponential average with β1 = 0.75 (the paper: α = 0.75 too,
//     but written as μ ← (1 − α) μ + α w);
//   - the outer gradient is x_c − μ, not γ (x_c − μ);
//   - momentum (inner and outer), weight decay and Nesterov are applied to the
//     loss gradient before the coupling and the noise are added; with heavy
//     ball, the coupling and noise enter the inner buffer (g aliases b');
//   - the outer buffer starts at the first update's gradient ∇f(x_0) (the
//     reference copies w.grad), not at 0: one more gradient at k = 0;
//   - γ scoping: python/optim.py never advances its counter t (so γ = γ0
//     throughout); valley uses γ_k = γ0 (1 + γ1)^k as train.py's --scoping
//     documents (the Lua version starts at t = 1).
// The reference evaluates one more, discarded, gradient per update when
// L > 0; valley does not, so an update costs L gradients.
#pragma once

#include "valley/backends/backend.h"
#include "valley/methods/base_optimizer.h"
#include "valley/methods/method.h"
#include "valley/methods/method_table.h"

namespace valley {

// EntropySgdSettings: methods/method_config.h.

class EntropySgd final : public Method {
 public:
  EntropySgd(EntropySgdSettings settings, BaseOptimizerSettings base, const Backend& backend);

  std::string name() const override { return std::string(method_name::kEntropySgd); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return optimizer_.state(); }
  void restore_state(std::span<const float> state) override {
    optimizer_.restore_state(state, method_name::kEntropySgd.data());
  }

  double gamma(uint64_t k) const;

 private:
  EntropySgdSettings settings_;
  BaseOptimizer optimizer_;
  const Backend& backend_;
  Vec centre_, w_, mean_, grad_, inner_buffer_, xi_;
};

// --L, --gamma0, --gamma1, --noise, --inner-lr, --beta1 (methods/method_table.h).
const SettingsGroup& entropy_sgd_settings();

// The factory of the method table's row (methods/method_table.h).
std::unique_ptr<Method> make_entropy_sgd(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
