#include "valley/sampling/sgld.h"

#include <atomic>
#include <cmath>
#include <exception>

#include "valley/core/spin_wait.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

Sgld::Sgld(SgldSettings settings, const Backend& backend) : settings_(settings), backend_(backend) {}

MeanEstimate Sgld::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                 VecRef mean) {
  const Eigen::Index d = x.size();
  if (chain_.size() != d) chain_ = x;  // Alg. 3: x^0 = x, the first time
  grad_.resize(d);
  for (Vec& noise : noise_) noise.resize(d);
  mean.setZero();
  const int64_t n_steps = settings_.n_samples;
  const auto fill = [&](int64_t j, bool on_all_threads) {
    const NoiseKey key{settings_.seed, Stream::sgld, static_cast<uint32_t>(k), static_cast<uint32_t>(j)};
    const std::span<float> out(noise_[j % 2].data(), static_cast<std::size_t>(d));
    if (on_all_threads)
      backend_.fill_normal(key, 0, out);
    else
      fill_normal(key, 0, out);
  };

  // With a second thread, it fills noise_[j % 2] for step j while step j − 1
  // runs: `produced` counts the buffers filled, `consumed` those the chain
  // has used (a buffer is free again once consumed ≥ its step − 1). The
  // chain and the producer are the two pieces of one parallel_for, so the
  // gradient's own parallel_for inside the chain runs serially rather than
  // asking for a third core. Below kMinDimensionAhead the hand-over costs
  // more than the draws.
  constexpr Eigen::Index kMinDimensionAhead = 1 << 12;
  const bool ahead = backend_.concurrent() && d >= kMinDimensionAhead;
  std::atomic<int64_t> produced = 0, consumed = 0;
  std::atomic<bool> stop = false;
  const auto produce = [&] {
    for (int64_t j = 1; j <= n_steps; ++j) {
      // Buffer j % 2 last held step j − 2.
      wait_until(consumed, [&] { return stop.load(std::memory_order_relaxed) || consumed.load(std::memory_order_acquire) >= j - 2; });
      if (stop) return;
      fill(j, false);
      produced.store(j, std::memory_order_release);
      produced.notify_all();
    }
  };

  double sum_eps = 0.0;
  const float inv_tau = static_cast<float>(1.0 / tau);
  float* y = chain_.data();
  float* mu = mean.data();
  const float* centre = x.data();
  const float* g = grad_.data();
  const auto run_chain = [&] {
    for (int64_t j = 1; j <= n_steps; ++j) {
      f.select_inner_batch(static_cast<uint64_t>(j - 1));
      f.gradient(chain_, grad_);
      if (ahead)
        wait_until(produced, [&] { return produced.load(std::memory_order_acquire) >= j; });
      else
        fill(j, true);
      const double eps = sgld_temperature(settings_.eps_0, j);
      const float half_eps = static_cast<float>(0.5 * eps);
      const float noise_scale = static_cast<float>(sgld_noise_scale(settings_, eps));
      const float eps_f = static_cast<float>(eps);
      const float* z = noise_[j % 2].data();
      for (Eigen::Index i = 0; i < d; ++i) {
        // Alg. 3: y^j = y^{j−1} − (ε_j/2)(∇f(y^{j−1}) + (y^{j−1} − x)/τ) + √ε_j z,  z ∼ N(0, I)
        y[i] += -half_eps * (g[i] + (y[i] - centre[i]) * inv_tau) + noise_scale * z[i];
        // μ ≈ Σ ε_j y^j / Σ ε_j
        mu[i] += eps_f * y[i];
      }
      sum_eps += eps;
      if (ahead) {
        consumed.store(j, std::memory_order_release);
        consumed.notify_all();
      }
    }
  };
  if (!ahead) {
    run_chain();
  } else {
    // An exception in the chain (a bad inner batch) must still release the
    // producer, or the parallel_for would never return.
    std::exception_ptr chain_error;
    backend_.parallel_for(2, [&](int, int64_t piece, int64_t) {
      if (piece == 1) {
        produce();
        return;
      }
      try {
        run_chain();
      } catch (...) {
        chain_error = std::current_exception();
        stop = true;
        consumed.fetch_add(1, std::memory_order_release);  // wakes a producer waiting for a buffer
        consumed.notify_all();
      }
    });
    if (chain_error) std::rethrow_exception(chain_error);
  }
  mean /= static_cast<float>(sum_eps);
  return {};
}

nlohmann::json Sgld::settings() const {
  return {{"estimator", "sgld"},
          {"samples", settings_.n_samples},
          {"eps0", settings_.eps_0},
          {"noise", settings_.noise_std_eps ? "stddev-eps" : "variance-eps"}};
}

}  // namespace valley
