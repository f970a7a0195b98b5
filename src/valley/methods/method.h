// A training method: one outer update x_k → x_{k+1}. Methods see only the
// Objective (f, ∇f, f at many points) and the Backend (noise, threads), never
// the network; a method's heavy part is one interface (its "work": SGD's
// gradient, heat's iteration, the samplers' sums and chains), which the CPU
// implements beside the method and a Device in methods/on_device.cpp and
// sampling/on_device.cpp, so that the algorithm never asks where it runs.
// make_method() is the one place that maps the names users type to classes.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/core/error.h"
#include "valley/core/types.h"
#include "valley/methods/method_config.h"
#include "valley/objective/objective.h"

namespace valley {

// What one update reports besides the new parameters.
struct UpdateStats {
  double tau = std::numeric_limits<double>::quiet_NaN();  // τ(k) used, NaN for SGD
  double ess = std::numeric_limits<double>::quiet_NaN();  // IS effective sample size, else NaN
  // Entropy-SGD: γ_k and ‖x_c − μ‖ (else NaN)
  double gamma = std::numeric_limits<double>::quiet_NaN();
  double drift = std::numeric_limits<double>::quiet_NaN();
};

class Method {
 public:
  virtual ~Method() = default;

  virtual std::string name() const = 0;

  // Replaces x = x_k by x_{k+1}, using the objective's current minibatch.
  virtual UpdateStats step(Vec& x, Objective& f, uint64_t k) = 0;

  // The method's settings, as saved in config.json.
  virtual nlohmann::json settings() const = 0;

  // What the method carries from one update to the next (the SGLD chain), for
  // checkpoints: restore_state(state()) on a fresh method continues exactly
  // where this one is. Empty for methods that carry nothing.
  virtual std::vector<float> state() const { return {}; }
  virtual void restore_state(std::span<const float> state) {
    if (!state.empty()) fail("{} carries no state, but was given {} numbers", name(), state.size());
  }

  // The per-coordinate variances s of the Gaussian (--covariance diag), or none.
  virtual const Vec* variances() const { return nullptr; }
};

// Builds the method named config.name; rejects unknown names with the list
// of valid ones. With a device (backends/device.h) the method runs its
// updates there, or, where it does not run there yet, is a one-line error
// naming it.
std::unique_ptr<Method> make_method(const MethodConfig& config, const Backend& backend,
                                    Device* device = nullptr);

}  // namespace valley
