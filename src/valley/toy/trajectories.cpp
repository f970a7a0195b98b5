#include "valley/toy/trajectories.h"

#include <algorithm>
#include <exception>
#include <memory>

#include "valley/core/error.h"
#include "valley/methods/local_entropy.h"
#include "valley/methods/method.h"
#include "valley/sampling/quadrature_mean.h"

namespace valley {
namespace {

// K updates of a Method (Algorithm 1 or 2 as `valley train` runs them).
std::vector<Eigen::Vector2d> run_method(Method& method, WellsLoss& f, const Eigen::Vector2d& start,
                                        int64_t n_steps) {
  Vec x = start.cast<float>();
  std::vector<Eigen::Vector2d> points = {x.cast<double>()};
  for (int64_t k = 0; k < n_steps; ++k) {
    method.step(x, f, static_cast<uint64_t>(k));
    if (!x.allFinite())
      fail("{}: the iterate became non-finite at update {}; try a smaller --tau", method.name(), k + 1);
    points.push_back(x.cast<double>());
  }
  return points;
}

}  // namespace

std::vector<std::string> trajectory_methods() {
  return {"alg1-exact", "sgld", "is", "alg2-exact", "heat-rm"};
}

Trajectory run_trajectory(const std::string& method, WellsLoss& f, const RegularizedLosses& losses,
                          const Eigen::Vector2d& start, const TrajectorySettings& settings,
                          const Backend& backend) {
  Trajectory out;
  out.method = method;
  const TauSchedule schedule{TauSchedule::Kind::constant, settings.tau, 0.0};
  if (method == "alg1-exact") {
    LocalEntropy alg1(std::make_unique<QuadratureMean>(settings.quadrature), schedule, std::nullopt);
    out.points = run_method(alg1, f, start, settings.n_steps);
  } else if (method == "alg2-exact") {
    out.points = {start};
    for (int64_t k = 0; k < settings.n_steps; ++k) {
      const HeatStepResult step = exact_heat_step(losses, out.points.back(), settings.heat_solve);
      out.points.push_back(step.x);
      out.max_residual = std::max(out.max_residual, step.residual);
    }
  } else if (method == "sgld" || method == "is" || method == "heat-rm") {
    MethodConfig config;
    config.name = method == "heat-rm" ? "heat" : method;
    config.seed = settings.seed;
    config.regularization.tau = settings.tau;
    config.n_samples = settings.n_samples;
    config.sampler = "full";  // the paper's samplers: every draw is a full point in R²
    const std::unique_ptr<Method> monte_carlo = make_method(config, backend);
    out.points = run_method(*monte_carlo, f, start, settings.n_steps);
  } else {
    fail("trajectory: unknown method '{}'", method);
  }
  return out;
}

std::vector<Trajectory> run_trajectories(const WellsSettings& loss,
                                         const std::vector<Eigen::Vector2d>& starts,
                                         const TrajectorySettings& settings, const Backend& backend) {
  const std::vector<std::string> methods = trajectory_methods();
  const auto n_methods = static_cast<int64_t>(methods.size());
  const auto n_runs = static_cast<int64_t>(starts.size()) * n_methods;
  std::vector<Trajectory> out(static_cast<std::size_t>(n_runs));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n_runs));
  backend.parallel_for(n_runs, [&](int, int64_t begin, int64_t end) {
    WellsLoss f(loss);
    const RegularizedLosses losses(f, settings.tau, settings.quadrature);
    // Each worker runs its Monte Carlo methods on one thread: the workers
    // already share the cores.
    const std::unique_ptr<Backend> serial = make_cpu_backend(1);
    for (int64_t run = begin; run < end; ++run) {
      const auto i = static_cast<std::size_t>(run);
      try {
        const auto start = static_cast<std::size_t>(run / n_methods);
        out[i] = run_trajectory(methods[static_cast<std::size_t>(run % n_methods)], f, losses, starts[start],
                                settings, *serial);
        out[i].start = static_cast<int>(start);
        for (const Eigen::Vector2d& x : out[i].points) out[i].values.push_back(losses.at(x));
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace valley
