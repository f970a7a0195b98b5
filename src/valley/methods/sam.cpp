#include "valley/methods/sam.h"

#include <cmath>

#include "valley/methods/method_table.h"

namespace valley {
namespace {

// ‖v‖, summed in double without a temporary.
double norm(const Vec& v) {
  double sum = 0.0;
  for (Eigen::Index i = 0; i < v.size(); ++i) sum += static_cast<double>(v[i]) * v[i];
  return std::sqrt(sum);
}

}  // namespace

Sam::Sam(SamSettings settings, BaseOptimizerSettings base)
    : settings_(settings), optimizer_(std::move(base)) {}

UpdateStats Sam::step(Vec& x, Objective& f, uint64_t k) {
  grad_.resize(x.size());
  f.gradient(x, grad_);  // g = ∇f(w)
  if (settings_.adaptive) {
    // ASAM: ε̂ = ρ T_w² g / ‖T_w g‖ with T_w = |w| + η
    scaled_ = (x.array().abs() + static_cast<float>(settings_.asam_eta)) * grad_.array();  // T_w g
    const auto scale = static_cast<float>(settings_.rho / (norm(scaled_) + 1e-12));
    perturbed_ =
        x.array() + scale * (x.array().abs() + static_cast<float>(settings_.asam_eta)) * scaled_.array();
  } else {
    // SAM: ε̂ = ρ g / ‖g‖
    perturbed_ = x + static_cast<float>(settings_.rho / (norm(grad_) + 1e-12)) * grad_;
  }
  f.gradient(perturbed_, grad_);  // ∇f(w + ε̂), on the same minibatch
  optimizer_.step(x, grad_, k);
  return {};
}

nlohmann::json Sam::settings() const {
  nlohmann::json out = {{"rho", settings_.rho}, {"adaptive", settings_.adaptive}};
  if (settings_.adaptive) out["asam_eta"] = settings_.asam_eta;
  optimizer_.add_settings(out);
  return out;
}

const SettingsGroup& sam_settings() {
  static const SettingsGroup group{
      "sam",
      {
          {.key = "rho",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sam.rho; },
           .help = "SAM radius ρ ≥ 0: ε̂ = ρ ∇f/‖∇f‖ (ASAM: ρ T_w² ∇f/‖T_w ∇f‖)",
           .check = check::non_negative(),
           .added_later = true},
          {.key = "adaptive",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sam.adaptive; },
           .help = "ASAM (Kwon et al. 2021): scale ε̂ elementwise by T_w = |w| + η",
           .added_later = true},
          {.key = "asam-eta",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sam.asam_eta; },
           .help = "η in ASAM's T_w = |w| + η",
           .check = check::non_negative(),
           .added_later = true},
      }};
  return group;
}

std::unique_ptr<Method> make_sam(const MethodConfig& config, const Backend&, Device*) {
  return std::make_unique<Sam>(config.sam, base_optimizer_settings(config));
}

}  // namespace valley
