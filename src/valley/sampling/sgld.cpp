#include "valley/sampling/sgld.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>

#include "valley/core/error.h"
#include "valley/core/spin_wait.h"
#include "valley/distributed/communicator.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/random/philox_normal.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

Sgld::Sgld(SgldSettings settings, const Backend& backend, Device* device)
    : settings_(settings), backend_(backend), device_(device) {}

LangevinRate langevin_rate(const SgldSettings& settings, int64_t j) {
  const double eps = sgld_temperature(settings.eps_0, j);
  return {static_cast<float>(0.5 * eps), static_cast<float>(sgld_noise_scale(settings, eps)),
          static_cast<float>(eps)};
}

namespace {

// The pointers of one Langevin step over the d coordinates.
struct LangevinStep {
  float* y;              // the chain's state
  float* mu;             // Σ_j ε_j y^j
  float* squares;        // Σ_j ε_j (y^j − x)² (diagonal prior)
  const float* centre;   // x
  const float* g;        // ∇f(y^{j−1})
  const float* z;        // N(0, I)
  const float* inv_s;    // 1/s (diagonal prior)
  float inv_tau, half_eps, noise_scale, eps;
};

// One step of Alg. 3 for every coordinate; kDiagonal: the prior's variance is
// s_i, not τ, and the step also accumulates the second moment about x. The
// arrays never overlap: __restrict lets the compiler vectorize the loop
// without run-time overlap checks, which it gives up on beyond a few arrays
// (the diagonal step has eight). Vectorizing does not reorder any sum.
template <bool kDiagonal>
void langevin_step(float* __restrict y, float* __restrict mu, float* __restrict squares,
                   const float* __restrict centre, const float* __restrict g, const float* __restrict z,
                   const float* __restrict inv_s, const LangevinStep& step, Eigen::Index d) {
  const float inv_tau = step.inv_tau, half_eps = step.half_eps, noise_scale = step.noise_scale,
              eps = step.eps;
  for (Eigen::Index i = 0; i < d; ++i) {
    const float coupling = kDiagonal ? inv_s[i] : inv_tau;
    // Alg. 3: y^j = y^{j−1} − (ε_j/2)(∇f(y^{j−1}) + (y^{j−1} − x)/τ) + √ε_j z,  z ∼ N(0, I)
    // (a diagonal prior: (y^{j−1} − x) ⊘ s in place of (y^{j−1} − x)/τ)
    y[i] += -half_eps * (g[i] + (y[i] - centre[i]) * coupling) + noise_scale * z[i];
    // μ ≈ Σ ε_j y^j / Σ ε_j
    mu[i] += eps * y[i];
    if constexpr (kDiagonal) {
      const float r = y[i] - centre[i];
      squares[i] += eps * r * r;  // E_q[(Y_i − x_i)²] ≈ Σ ε_j (y_i^j − x_i)² / Σ ε_j
    }
  }
}

template <bool kDiagonal>
void langevin_step(const LangevinStep& step, Eigen::Index d) {
  langevin_step<kDiagonal>(step.y, step.mu, step.squares, step.centre, step.g, step.z, step.inv_s, step, d);
}

}  // namespace

MeanEstimate Sgld::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                 VecRef mean) {
  return estimate(x, Prior{static_cast<float>(1.0 / tau), nullptr}, f, k, mean, nullptr);
}

MeanEstimate Sgld::estimate_moments(ConstVecRef x, ConstVecRef s, Objective& f, uint64_t k,
                                    VecRef mean, VecRef variance) {
  if (s.size() != x.size())
    fail("sgld: {} variances for {} parameters", s.size(), x.size());
  inv_s_ = s.cwiseInverse();
  return estimate(x, Prior{0.0f, inv_s_.data()}, f, k, mean, &variance);
}

MeanEstimate Sgld::estimate(ConstVecRef x, const Prior& prior, Objective& f, uint64_t k, VecRef mean,
                            VecRef* variance) {
  const Eigen::Index d = x.size();
  const int64_t n_chains = settings_.n_chains;
  // Alg. 3: x^0 = x, the first time (every chain)
  if (chains_.rows() != d || chains_.cols() != n_chains) chains_ = x.replicate(1, n_chains);
  grad_.resize(d);
  for (Vec& noise : noise_) noise.resize(d);
  sums_.setZero(d, n_chains);
  if (variance != nullptr) squares_.setZero(d, n_chains);
  // The chains are independent: rank r runs its contiguous share of them,
  // and every rank gathers every chain's state and Σ_j ε_j y^j (copies,
  // exact) and adds them in chain order.
  distributed::Communicator& comm = distributed::world();
  // (One chain runs on every rank alike: nothing to exchange.)
  const bool spread = n_chains > 1 && comm.size() > 1;
  const distributed::Share mine =
      spread ? distributed::share_of(n_chains, comm.rank(), comm.size()) : distributed::Share{0, n_chains};
  for (int64_t c = mine.begin; c < mine.end; ++c) run_chain(c, x, prior, f, k);
  if (spread) {
    std::vector<int64_t> counts(static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r) {
      const distributed::Share share = distributed::share_of(n_chains, r, comm.size());
      counts[static_cast<std::size_t>(r)] = (share.end - share.begin) * d;
    }
    comm.all_gather({chains_.data(), static_cast<std::size_t>(chains_.size())}, counts);
    comm.all_gather({sums_.data(), static_cast<std::size_t>(sums_.size())}, counts);
    if (variance != nullptr)
      comm.all_gather({squares_.data(), static_cast<std::size_t>(squares_.size())}, counts);
    // The other ranks' gradient evaluations count as this update's too.
    f.add_counts({0, (n_chains - (mine.end - mine.begin)) * settings_.n_samples});
  }
  double sum_eps = 0.0;  // Σ_j ε_j, the same for every chain
  for (int64_t j = 1; j <= settings_.n_samples; ++j) sum_eps += sgld_temperature(settings_.eps_0, j);
  // μ ≈ Σ_c Σ_j ε_j y_c^j / (C Σ_j ε_j)
  mean = sums_.col(0);
  for (int64_t c = 1; c < n_chains; ++c) mean += sums_.col(c);
  mean /= static_cast<float>(static_cast<double>(n_chains) * sum_eps);
  if (variance != nullptr) {
    // Var_q[Y_i] ≈ Σ_c Σ_j ε_j (y_{c,i}^j − x_i)² / (C Σ_j ε_j) − (μ_i − x_i)²
    const double n = static_cast<double>(n_chains) * sum_eps;
    for (Eigen::Index i = 0; i < d; ++i) {
      double second = 0.0;
      for (int64_t c = 0; c < n_chains; ++c) second += squares_(i, c);
      const double shift = static_cast<double>(mean[i]) - x[i];
      (*variance)[i] = static_cast<float>(std::max(0.0, second / n - shift * shift));
    }
  }
  return {};
}

// Chain c of Alg. 3 from its state chains_.col(c), accumulating
// Σ_j ε_j y^j into sums_.col(c) (and, with a diagonal prior, Σ_j ε_j (y^j − x)²
// into squares_.col(c)). Its noise is the stream (seed, k, j) from
// offset c·d: chain 0 draws exactly what the single chain always drew.
void Sgld::run_chain(int64_t c, ConstVecRef x, const Prior& prior, Objective& f, uint64_t k) {
  if (device_ != nullptr) {
    run_chain_on_device(c, x, prior, f, k);
    return;
  }
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

  auto chain = chains_.col(c);
  const bool diagonal = prior.inv_s != nullptr;
  LangevinStep step{chain.data(), sums_.col(c).data(), diagonal ? squares_.col(c).data() : nullptr,
                    x.data(), grad_.data(), nullptr, prior.inv_s, prior.inv_tau, 0.0f, 0.0f, 0.0f};
  const auto run_chain = [&] {
    for (int64_t j = 1; j <= n_steps; ++j) {
      f.select_inner_batch(static_cast<uint64_t>(j - 1));
      f.gradient(chain, grad_);
      if (ahead)
        wait_until(produced, [&] { return produced.load(std::memory_order_acquire) >= j; });
      else
        fill(j, true);
      const LangevinRate rate = langevin_rate(settings_, j);
      step.half_eps = rate.half_eps;
      step.noise_scale = rate.noise_scale;
      step.eps = rate.eps;
      step.z = noise_[j % 2].data();
      if (diagonal)
        langevin_step<true>(step, d);
      else
        langevin_step<false>(step, d);
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

void Sgld::run_chain_on_device(int64_t c, ConstVecRef x, const Prior& prior, Objective& f, uint64_t k) {
  const MlpBatch batch = device_batch_of(f, "sgld");
  const int64_t n_steps = settings_.n_samples;
  if (rates_.empty())  // (the same every update and chain)
    for (int64_t j = 1; j <= n_steps; ++j) rates_.push_back(langevin_rate(settings_, j));
  LangevinChain chain;
  chain.inv_tau = prior.inv_tau;
  chain.inv_s = prior.inv_s;
  chain.seed = settings_.seed;
  chain.k = static_cast<uint32_t>(k);
  chain.noise_offset = static_cast<uint64_t>(c) * static_cast<uint64_t>(x.size());  // as run_chain's
  chain.rates = rates_;
  VecRef y = chains_.col(c), sums = sums_.col(c);
  if (prior.inv_s != nullptr) {
    VecRef squares = squares_.col(c);
    device_->langevin_chain(x, batch, chain, y, sums, &squares);
  } else {
    device_->langevin_chain(x, batch, chain, y, sums, nullptr);
  }
  f.add_counts({0, n_steps});
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
