// Heat regularization (Alg. 2 + 5) on the row-space reduction θ = R x
// (objective/reduction.h), exactly equal in distribution to the full method.
// ∇f(z) ∈ range(Rᵀ) for every z, and x^0 = x_k, so eq. 17 never moves the
// unseen part (I − RᵀR) x^j: Robbins–Monro runs on θ with the reduced loss
// and the draws R ξ_m ∼ N(0, I), and
//   x_{k+1} = (I − RᵀR) x_k + Rᵀ θ^J.
#pragma once

#include "valley/methods/heat.h"

namespace valley {

class ProjectedHeat final : public Method {
 public:
  // With a device, Robbins–Monro on θ runs there (methods/heat.h).
  ProjectedHeat(HeatSettings settings, TauSchedule schedule, const Backend& backend,
                Device* device = nullptr);

  std::string name() const override { return std::string(method_name::kHeat); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;

 private:
  Heat reduced_heat_;
  Vec theta_, seen_;
};

}  // namespace valley
