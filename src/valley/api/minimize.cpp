#include "valley/api/minimize.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/methods/method.h"
#include "valley/train/numerical_fault.h"

namespace valley {
namespace {

void require_finite_point(const Objective& f, ConstVecRef x, const char* what) {
  if (x.size() != f.dim())
    fail("{} has {} numbers, but the objective has dimension {}", what, x.size(), f.dim());
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i])) fail("{} holds {} at coordinate {}, not a finite number", what, x[i], i);
}

}  // namespace

void validate_minimize(const Objective& f, ConstVecRef x0, const MethodConfig& method,
                       const MinimizeOptions& options) {
  validate(method);
  if (method.sampler == "projected")
    fail(
        "--sampler projected needs a network (the row-space reduction); use 'full' or 'auto' "
        "with your own objective");
  if (options.n_updates < 0) fail("--updates must be ≥ 0 (got {})", options.n_updates);
  if (options.n_threads < 1 || options.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", options.n_threads);
  require_finite_point(f, x0, "x0");
}

MinimizeResult minimize(Objective& f, ConstVecRef x0, const MethodConfig& method,
                        const MinimizeOptions& options, const MinimizeCallbacks& callbacks) {
  validate_minimize(f, x0, method, options);
  MethodConfig config = method;
  if (config.sampler == "auto") config.sampler = "full";
  const std::unique_ptr<Backend> backend = make_cpu_backend(options.n_threads);
  const std::unique_ptr<Method> stepper = make_method(config, *backend);

  MinimizeResult result;
  result.x = x0;
  result.history.reserve(static_cast<std::size_t>(options.n_updates));
  Vec previous;
  for (int64_t k = 0; k < options.n_updates; ++k) {
    previous = result.x;
    const EvalCounts before = f.counts();
    const auto start = std::chrono::steady_clock::now();
    UpdateStats stats;
    try {
      stats = stepper->step(result.x, f, static_cast<uint64_t>(k));
    } catch (const Error& e) {
      fail("update {}: method {}: {}", k + 1, stepper->name(), e.what());
    }
    const auto end = std::chrono::steady_clock::now();
    const EvalCounts after = f.counts();
    if (!result.x.allFinite()) {
      const std::string hint = step_size_hint(config.name, k, config.sgd_first);
      std::string what;
      try {
        what = describe_non_finite_update(f, previous, result.x, hint);
      } catch (const Error&) {  // e.g. an objective without ∇f
        what = fmt::format("non-finite parameters after the update; try {}", hint);
      }
      fail("update {}: method {}: {}", k + 1, stepper->name(), what);
    }
    UpdateReport report;
    report.k = k;
    report.tau = stats.tau;
    report.ess = stats.ess;
    report.seconds = std::chrono::duration<double>(end - start).count();
    report.counts = {after.n_loss - before.n_loss, after.n_gradient - before.n_gradient};
    report.loss = options.record_loss ? f.loss(result.x) : std::numeric_limits<double>::quiet_NaN();
    result.history.push_back(report);
    if (callbacks.progress) callbacks.progress(k + 1, options.n_updates);
    if (callbacks.on_update && callbacks.on_update(report, result.x) == Next::stop) {
      result.stopped_early = true;
      break;
    }
  }
  return result;
}

}  // namespace valley
