#include "valley/sampling/sgld.h"

#include <atomic>
#include <cmath>
#include <exception>

#include "valley/core/error.h"
#include "valley/core/spin_wait.h"
#include "valley/distributed/communicator.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

Sgld::Sgld(SgldSettings settings, const Backend& backend) : settings_(settings), backend_(backend) {}

MeanEstimate Sgld::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                 VecRef mean) {
  const Eigen::Index d = x.size();
  const int64_t n_chains = settings_.n_chains;
  // Alg. 3: x^0 = x, the first time (every chain)
  if (chains_.rows() != d || chains_.cols() != n_chains) chains_ = x.replicate(1, n_chains);
  grad_.resize(d);
  for (Vec& noise : noise_) noise.resize(d);
  sums_.setZero(d, n_chains);
  // The chains are independent: rank r runs its contiguous share of them,
  // and every rank gathers every chain's state and Σ_j ε_j y^j (copies,
  // exact) and adds them in chain order.
  distributed::Communicator& comm = distributed::world();
  // (One chain runs on every rank alike: nothing to exchange.)
  const bool spread = n_chains > 1 && comm.size() > 1;
  const distributed::Share mine =
      spread ? distributed::share_of(n_chains, comm.rank(), comm.size()) : distributed::Share{0, n_chains};
  for (int64_t c = mine.begin; c < mine.end; ++c) run_chain(c, x, tau, f, k);
  if (spread) {
    std::vector<int64_t> counts(static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r) {
      const distributed::Share share = distributed::share_of(n_chains, r, comm.size());
      counts[static_cast<std::size_t>(r)] = (share.end - share.begin) * d;
    }
    comm.all_gather({chains_.data(), static_cast<std::size_t>(chains_.size())}, counts);
    comm.all_gather({sums_.data(), static_cast<std::size_t>(sums_.size())}, counts);
    // The other ranks' gradient evaluations count as this update's too.
    f.add_counts({0, (n_chains - (mine.end - mine.begin)) * settings_.n_samples});
  }
  double sum_eps = 0.0;  // Σ_j ε_j, the same for every chain
  for (int64_t j = 1; j <= settings_.n_samples; ++j) sum_eps += sgld_temperature(settings_.eps_0, j);
  // μ ≈ Σ_c Σ_j ε_j y_c^j / (C Σ_j ε_j)
  mean = sums_.col(0);
  for (int64_t c = 1; c < n_chains; ++c) mean += sums_.col(c);
  mean /= static_cast<float>(static_cast<double>(n_chains) * sum_eps);
  return {};
}

// Chain c of Alg. 3 from its state chains_.col(c), accumulating
// Σ_j ε_j y^j into sums_.col(c). Its noise is the stream (seed, k, j) from
// offset c·d: chain 0 draws exactly what the single chain always drew.
void Sgld::run_chain(int64_t c, ConstVecRef x, double tau, Objective& f, uint64_t k) {
  const Eigen::Index d = x.size();
  const int64_t n_steps = settings_.n_samples;
  const uint64_t offset = static_cast<uint64_t>(c) * static_cast<uint64_t>(d);
  const auto fill = [&](int64_t j, bool on_all_threads) {
    const NoiseKey key{settings_.seed, Stream::sgld, static_cast<uint32_t>(k), static_cast<uint32_t>(j)};
    const std::span<float> out(noise_[j % 2].data(), static_cast<std::size_t>(d));
    if (on_all_threads)
      backend_.fill_normal(key, offset, out);
    else
      fill_normal(key, offset, out);
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

  const float inv_tau = static_cast<float>(1.0 / tau);
  auto chain = chains_.col(c);
  float* y = chain.data();
  float* mu = sums_.col(c).data();
  const float* centre = x.data();
  const float* g = grad_.data();
  const auto run_chain = [&] {
    for (int64_t j = 1; j <= n_steps; ++j) {
      f.select_inner_batch(static_cast<uint64_t>(j - 1));
      f.gradient(chain, grad_);
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
}

void Sgld::restore_state(std::span<const float> state) {
  const auto n_chains = static_cast<Eigen::Index>(settings_.n_chains);
  if (state.size() % static_cast<std::size_t>(n_chains) != 0)
    fail("sgld: a state of {} numbers does not hold {} chains", state.size(), n_chains);
  chains_ = Eigen::Map<const Samples>(state.data(), static_cast<Eigen::Index>(state.size()) / n_chains, n_chains);
}

nlohmann::json Sgld::settings() const {
  nlohmann::json out = {{"estimator", "sgld"},
          {"samples", settings_.n_samples},
          {"eps0", settings_.eps_0},
          {"noise", settings_.noise_std_eps ? "stddev-eps" : "variance-eps"}};
  // Recorded only when there are several, so that one chain's settings read as before.
  if (settings_.n_chains != 1) out["chains"] = settings_.n_chains;
  return out;
}

}  // namespace valley
