#include "valley/flatness/measure_run.h"

#include <chrono>
#include <cmath>
#include <span>

#include "valley/core/error.h"
#include "valley/flatness/filter_directions.h"
#include "valley/flatness/hutchinson.h"
#include "valley/flatness/lanczos.h"
#include "valley/flatness/pac_bayes.h"
#include "valley/flatness/sharpness.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

// The first-layer images of the draws are kept when they fit in this many
// bytes (M·n·n_1 floats); otherwise they are recomputed at each use.
constexpr double kDrawCacheBytes = 1024.0 * 1024.0 * 1024.0;

NoiseKey key(const FlatnessSettings& s, uint32_t use, uint32_t j) {
  return NoiseKey{s.seed, Stream::flatness, use, j};
}

Vec normal_vector(const NoiseKey& k, int64_t d) {
  Vec v(d);
  fill_normal(k, 0, std::span<float>(v.data(), static_cast<std::size_t>(d)));
  return v;
}

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(n == 1 ? a : a + (b - a) * i / (n - 1));
  return out;
}

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

class Timer {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

FlatnessSettings FlatnessSettings::defaults(bool quick) {
  FlatnessSettings s;
  s.quick = quick;
  s.taus = log_grid(1e-6, 1e-2, 9);
  if (quick) {
    s.n_draws = 32;
    s.width_steps = 10;
    s.lanczos_steps = 20;
    s.slq_runs = 1;
    s.hutchinson_probes = 10;
    s.n_directions = 2;
    s.n_points_1d = 21;
    s.grid_2d = 15;
    s.n_points_between = 21;
    s.sharpness_steps = 5;
    s.pac_bayes_samples = 4;
    s.pac_bayes_steps = 8;
  }
  return s;
}

nlohmann::json FlatnessSettings::to_json() const {
  return {{"quick", quick},
          {"seed", seed},
          {"draws", n_draws},
          {"taus", taus},
          {"heat_delta", heat_delta},
          {"width_steps", width_steps},
          {"lanczos_steps", lanczos_steps},
          {"slq_runs", slq_runs},
          {"hutchinson_probes", hutchinson_probes},
          {"directions", n_directions},
          {"points_1d", n_points_1d},
          {"grid_2d", grid_2d},
          {"points_between", n_points_between},
          {"epsilons", epsilons},
          {"sharpness_steps", sharpness_steps},
          {"pac_bayes_samples", pac_bayes_samples},
          {"pac_bayes_steps", pac_bayes_steps},
          {"pac_bayes_target", pac_bayes_target},
          {"magnitude_epsilon", magnitude_epsilon}};
}

nlohmann::json weight_norms(const NetSpec& spec, const Vec& x) {
  nlohmann::json layers = nlohmann::json::array();
  for (int l = 1; l <= spec.n_layers(); ++l) {
    const int64_t n_w = static_cast<int64_t>(spec.widths[l - 1]) * spec.widths[l];
    const double w = x.segment(spec.weights_offset(l), n_w).cast<double>().norm();
    const double b = x.segment(spec.bias_offset(l), spec.widths[l]).cast<double>().norm();
    layers.push_back({{"layer", l}, {"weights", w}, {"biases", b}});
  }
  return layers;
}

RunMeasures measure_run(SubsetNet& net, const Vec& x, const FlatnessSettings& s, const ProgressFn& progress) {
  RunMeasures r;
  Timer timer;
  const int64_t d = net.dim();
  const NetSpec& spec = net.spec();

  // The point itself, through the same code path as every perturbed point.
  progress("loss at x*");
  const std::vector<float> z0 = net.first_layer(x);
  const SubsetNet::Score base = net.score_combination(x, {&z0}, {1.0});
  r.json["subset_loss"] = base.loss;
  r.json["subset_accuracy"] = base.accuracy;

  // 1. Profiles ΔF_τ, ΔF^H_τ from M shared draws, and the heat width.
  std::vector<Vec> draws;
  for (int j = 0; j < s.n_draws; ++j) draws.push_back(normal_vector(key(s, 1, static_cast<uint32_t>(j)), d));
  const bool cache =
      static_cast<double>(s.n_draws) * net.n_images() * spec.widths[1] * 4.0 <= kDrawCacheBytes;
  std::vector<std::vector<float>> draw_layer(cache ? draws.size() : 0);
  for (std::size_t j = 0; j < draw_layer.size(); ++j) draw_layer[j] = net.first_layer(draws[j]);
  std::vector<float> scratch;
  const auto layer_of = [&](std::size_t j) -> const std::vector<float>* {
    if (cache) return &draw_layer[j];
    scratch = net.first_layer(draws[j]);
    return &scratch;
  };
  const auto score_at = [&](std::size_t j, double scale) {
    const Vec point = x + static_cast<float>(scale) * draws[j];
    return net.score_combination(point, {&z0, layer_of(j)}, {1.0, scale});
  };
  const PerturbedLosses deltas = [&](double scale) {
    std::vector<double> out;
    for (std::size_t j = 0; j < draws.size(); ++j) out.push_back(score_at(j, scale).loss - base.loss);
    return out;
  };
  progress("local entropy and heat profiles");
  r.profiles = entropy_profiles(deltas, s.taus);
  progress("heat width");
  const HeatWidth width = heat_width(deltas, s.heat_delta, 1e-8, 1.0, s.width_steps);
  r.json["heat_width"] = {{"delta", s.heat_delta}, {"tau", width.tau}, {"bracketed", width.bracketed}};
  r.seconds["profiles"] = timer.lap();

  // 2. Hessian spectrum by exact Hessian-vector products.
  int n_products = 0;
  const LinearOperator hessian = [&](const Eigen::VectorXd& v, Eigen::VectorXd& hv) {
    net.hessian_vector_product(x, v, hv);
    ++n_products;
  };
  progress("Hessian: Lanczos");
  std::vector<LanczosResult> runs;
  runs.push_back(lanczos(hessian, normal_vector(key(s, 2, 0), d).cast<double>(), s.lanczos_steps, true));
  const std::vector<EigenPair> top = top_eigenpairs(hessian, runs.front(), s.n_top);
  const EigenPair smallest = smallest_eigenpair(hessian, runs.front());
  runs.front().basis.resize(0, 0);
  for (int v = 1; v < s.slq_runs; ++v) {
    progress("Hessian: spectral density, run " + std::to_string(v + 1));
    runs.push_back(lanczos(hessian, normal_vector(key(s, 2, static_cast<uint32_t>(v)), d).cast<double>(),
                           s.lanczos_steps, false));
  }
  progress("Hessian: Hutchinson trace");
  const TraceEstimate trace = hutchinson_trace(hessian, d, s.hutchinson_probes, key(s, 3, 0));
  r.spectrum = slq_nodes(runs);
  nlohmann::json top_json = nlohmann::json::array();
  for (const EigenPair& p : top) top_json.push_back({{"value", p.value}, {"residual", p.residual}});
  r.json["hessian"] = {
      {"top", top_json},
      {"smallest", {{"value", smallest.value}, {"residual", smallest.residual}}},
      {"trace",
       {{"estimate", trace.trace}, {"standard_error", trace.standard_error}, {"probes", trace.n_probes}}},
      {"slq_trace", slq_trace_of(
                        r.spectrum, d, [](double t, double) { return t; }, 0.0)},
      {"lanczos_steps", runs.front().steps()},
      {"slq_runs", static_cast<int>(runs.size())},
      {"products", n_products}};
  r.seconds["hessian"] = timer.lap();

  // Profiles beside their Laplace predictions.
  nlohmann::json profiles = nlohmann::json::array();
  for (const ProfilePoint& p : r.profiles) {
    r.laplace_local_entropy.push_back(laplace_log_det(r.spectrum, d, p.tau));
    r.laplace_heat.push_back(0.5 * p.tau * trace.trace);
    profiles.push_back({{"tau", p.tau},
                        {"local_entropy", p.local_entropy},
                        {"local_entropy_ci", {p.local_entropy_lo, finite_or_null(p.local_entropy_hi)}},
                        {"ess", p.ess},
                        {"reliable", p.reliable},
                        {"heat", p.heat},
                        {"heat_ci", {p.heat_lo, p.heat_hi}},
                        {"laplace_local_entropy", finite_or_null(r.laplace_local_entropy.back())},
                        {"laplace_heat", r.laplace_heat.back()}});
  }
  r.json["profiles"] = profiles;

  // 3. Filter-normalized landscapes.
  progress("filter-normalized landscapes");
  std::vector<Vec> directions;
  std::vector<std::vector<float>> direction_layer;
  const int n_dirs = std::max(s.n_directions, 2);
  for (int j = 0; j < n_dirs; ++j) {
    directions.push_back(filter_normalized_direction(spec, x, key(s, 4, static_cast<uint32_t>(j))));
    direction_layer.push_back(net.first_layer(directions.back()));
  }
  for (int j = 0; j < s.n_directions; ++j) {
    std::vector<LandscapePoint> curve;
    for (double a : linspace(-1.0, 1.0, s.n_points_1d)) {
      const Vec point = x + static_cast<float>(a) * directions[static_cast<std::size_t>(j)];
      curve.push_back(
          {a, 0.0,
           net.score_combination(point, {&z0, &direction_layer[static_cast<std::size_t>(j)]}, {1.0, a})});
    }
    r.curves_1d.push_back(std::move(curve));
  }
  for (double a : linspace(-1.0, 1.0, s.grid_2d))
    for (double b : linspace(-1.0, 1.0, s.grid_2d)) {
      const Vec point = x + static_cast<float>(a) * directions[0] + static_cast<float>(b) * directions[1];
      r.grid_2d.push_back(
          {a, b, net.score_combination(point, {&z0, &direction_layer[0], &direction_layer[1]}, {1.0, a, b})});
    }
  double max_rise = 0.0;
  for (const auto& curve : r.curves_1d)
    for (const LandscapePoint& p : curve) max_rise = std::max(max_rise, p.score.loss - base.loss);
  r.json["landscape"] = {
      {"directions", s.n_directions},
      {"loss_rise_at_alpha_1",
       [&] {
         nlohmann::json rises = nlohmann::json::array();
         for (const auto& curve : r.curves_1d)
           rises.push_back(0.5 * (curve.front().score.loss + curve.back().score.loss) - base.loss);
         return rises;
       }()},
      {"max_loss_rise", max_rise}};
  r.seconds["landscape"] = timer.lap();

  // 4. Worst-case sharpness in a box.
  const LossGradient loss_gradient = [&](const Vec& p, Eigen::VectorXd& g) { return net.gradient(p, g); };
  nlohmann::json sharpness = nlohmann::json::array();
  uint32_t start = 0;
  for (const bool adaptive : {false, true})
    for (double eps : s.epsilons) {
      progress(std::string(adaptive ? "adaptive" : "Keskar") + " ε-sharpness");
      SharpnessSettings settings{eps, adaptive, s.sharpness_steps};
      const Sharpness sh = epsilon_sharpness(loss_gradient, x, settings, key(s, 5, start++));
      sharpness.push_back({{"box", adaptive ? "adaptive" : "keskar"},
                           {"epsilon", eps},
                           {"phi", sh.phi},
                           {"loss_max", sh.loss_max}});
    }
  r.json["sharpness"] = sharpness;
  r.seconds["sharpness"] = timer.lap();

  // 5. PAC-Bayes σ: isotropic noise through the shared draws (layer 1 by
  // linearity), magnitude-aware noise formed point by point.
  const int n_pb = std::min(s.pac_bayes_samples, s.n_draws);
  progress("PAC-Bayes σ");
  const AccuracyDrop isotropic = [&](double sigma) {
    double mean = 0.0;
    for (int j = 0; j < n_pb; ++j) mean += score_at(static_cast<std::size_t>(j), sigma).accuracy / n_pb;
    return base.accuracy - mean;
  };
  const PacBayesSigma iso = pac_bayes_sigma(isotropic, s.pac_bayes_target, 1e-4, 1.0, s.pac_bayes_steps);
  const Eigen::ArrayXf x_sq = x.array().square();
  const AccuracyDrop magnitude = [&](double sigma) {
    double mean = 0.0;
    const float eps_sq = static_cast<float>(s.magnitude_epsilon * s.magnitude_epsilon);
    const Eigen::ArrayXf stddev = (static_cast<float>(sigma * sigma) * x_sq + eps_sq).sqrt();
    for (int j = 0; j < n_pb; ++j) {
      const Vec point = x + (stddev * draws[static_cast<std::size_t>(j)].array()).matrix();
      mean += net.score(point).accuracy / n_pb;
    }
    return base.accuracy - mean;
  };
  const PacBayesSigma mag = pac_bayes_sigma(magnitude, s.pac_bayes_target, 1e-4, 10.0, s.pac_bayes_steps);
  r.json["pac_bayes"] = {{"sigma", iso.sigma},
                         {"flatness", iso.flatness},
                         {"bracketed", iso.bracketed},
                         {"magnitude_sigma", mag.sigma},
                         {"magnitude_flatness", mag.flatness},
                         {"magnitude_bracketed", mag.bracketed}};
  r.seconds["pac_bayes"] = timer.lap();
  return r;
}

std::vector<LandscapePoint> interpolate(SubsetNet& net, const Vec& x_a, const Vec& x_b, int n_points) {
  const std::vector<float> z_a = net.first_layer(x_a);
  const std::vector<float> z_b = net.first_layer(x_b);
  std::vector<LandscapePoint> curve;
  for (double a : linspace(-0.5, 1.5, n_points)) {
    const Vec point = (1.0f - static_cast<float>(a)) * x_a + static_cast<float>(a) * x_b;
    curve.push_back({a, 0.0, net.score_combination(point, {&z_a, &z_b}, {1.0 - a, a})});
  }
  return curve;
}

}  // namespace valley
