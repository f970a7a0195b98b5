#include "valley/methods/projected_heat.h"

#include "valley/objective/reduction.h"

namespace valley {

ProjectedHeat::ProjectedHeat(HeatSettings settings, TauSchedule schedule, const Backend& backend,
                             Device* device)
    : reduced_heat_(settings, schedule, backend, device) {}

UpdateStats ProjectedHeat::step(Vec& x, Objective& f, uint64_t k) {
  const std::unique_ptr<Reduction> reduction = require_reduction(f);
  theta_.resize(reduction->reduced_dim());
  seen_.resize(x.size());
  reduction->reduce(x, theta_);
  reduction->expand(theta_, seen_);
  Objective& g = reduction->reduced();
  g.reset_counts();
  const UpdateStats stats = reduced_heat_.step(theta_, g, k);
  f.add_counts(g.counts());
  // x_{k+1} = (I − RᵀR) x_k + Rᵀ θ^J
  x -= seen_;
  reduction->expand(theta_, seen_);
  x += seen_;
  return stats;
}

nlohmann::json ProjectedHeat::settings() const {
  nlohmann::json out = reduced_heat_.settings();
  out["sampler"] = "projected";
  return out;
}

}  // namespace valley
