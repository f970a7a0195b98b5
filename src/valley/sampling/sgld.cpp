#include "valley/sampling/sgld.h"

#include <algorithm>
#include <cmath>

#include "valley/backends/noise_ahead.h"
#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/random/philox_normal.h"
#include "valley/sampling/stop_point.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

Sgld::Sgld(SgldSettings settings, const Backend& backend, Device* device)
    : settings_(settings), work_(make_langevin_work(backend, device)) {}

LangevinRate langevin_rate(const SgldSettings& settings, int64_t j) {
  const double eps = sgld_temperature(settings.eps_0, j);
  return {static_cast<float>(0.5 * eps), static_cast<float>(sgld_noise_scale(settings, eps)),
          static_cast<float>(eps)};
}

namespace {

// The pointers of one Langevin step over the d coordinates.
struct LangevinArrays {
  float* y;             // the chain's state
  float* mu;            // Σ_j ε_j y^j
  float* squares;       // Σ_j ε_j (y^j − x)² (diagonal prior)
  const float* centre;  // x
  const float* g;       // ∇f(y^{j−1})
  const float* z;       // N(0, I)
  const float* inv_s;   // 1/s (diagonal prior)
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
                   const float* __restrict inv_s, const LangevinArrays& step, Eigen::Index d) {
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
void langevin_step(const LangevinArrays& step, Eigen::Index d) {
  langevin_step<kDiagonal>(step.y, step.mu, step.squares, step.centre, step.g, step.z, step.inv_s, step, d);
}

}  // namespace

MeanEstimate Sgld::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) {
  return estimate(x, Prior{static_cast<float>(1.0 / tau), nullptr}, f, k, mean, nullptr);
}

MeanEstimate Sgld::estimate_moments(ConstVecRef x, ConstVecRef s, Objective& f, uint64_t k, VecRef mean,
                                    VecRef variance) {
  if (s.size() != x.size()) fail("sgld: {} variances for {} parameters", s.size(), x.size());
  inv_s_ = s.cwiseInverse();
  return estimate(x, Prior{0.0f, inv_s_.data()}, f, k, mean, &variance);
}

MeanEstimate Sgld::estimate(ConstVecRef x, const Prior& prior, Objective& f, uint64_t k, VecRef mean,
                            VecRef* variance) {
  const Eigen::Index d = x.size();
  const int64_t n_chains = settings_.n_chains;
  // Alg. 3: x^0 = x, the first time (every chain)
  if (chains_.rows() != d || chains_.cols() != n_chains) chains_ = x.replicate(1, n_chains);
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
  if (rates_.empty())  // ε_j/2, s_j and ε_j of steps j = 1 … J (the same every update and chain)
    for (int64_t j = 1; j <= settings_.n_samples; ++j) rates_.push_back(langevin_rate(settings_, j));
  const LangevinChain chain{prior.inv_tau,
                            prior.inv_s,
                            settings_.seed,
                            static_cast<uint32_t>(k),
                            static_cast<uint64_t>(c) * static_cast<uint64_t>(x.size()),
                            rates_};
  VecRef y = chains_.col(c), sums = sums_.col(c);
  if (prior.inv_s != nullptr) {
    VecRef squares = squares_.col(c);
    work_->run_chain(x, chain, f, y, sums, &squares);
  } else {
    work_->run_chain(x, chain, f, y, sums, nullptr);
  }
}

namespace {

// The chain on the CPU (sgld.h).
class CpuLangevinWork final : public LangevinWork {
 public:
  explicit CpuLangevinWork(const Backend& backend) : backend_(backend) {}
  void run_chain(ConstVecRef x, const LangevinChain& chain, Objective& f, VecRef y, VecRef sums,
                 VecRef* squares) override;

 private:
  const Backend& backend_;
  Vec grad_;
  NoiseAhead noise_ahead_;  // the chain's noise, drawn a step ahead
};

void CpuLangevinWork::run_chain(ConstVecRef x, const LangevinChain& chain, Objective& f, VecRef y,
                                VecRef sums, VecRef* squares) {
  const Eigen::Index d = x.size();
  grad_.resize(d);
  sums.setZero();
  if (squares != nullptr) squares->setZero();
  const bool diagonal = chain.inv_s != nullptr;
  LangevinArrays arrays{y.data(),    sums.data(),   diagonal ? squares->data() : nullptr,
                        x.data(),    grad_.data(),  nullptr,
                        chain.inv_s, chain.inv_tau, 0.0f,
                        0.0f,        0.0f};
  noise_ahead_.run(
      backend_, d, static_cast<int64_t>(chain.rates.size()),
      [&](int64_t j, std::span<float> z, bool on_all_threads) {  // η_j / s_j ∼ N(0, I)
        const NoiseKey key{chain.seed, Stream::sgld, chain.k, static_cast<uint32_t>(j)};
        on_all_threads ? backend_.fill_normal(key, chain.noise_offset, z)
                       : fill_normal(key, chain.noise_offset, z);
      },
      [&](int64_t j, const std::function<const float*()>& noise) {
        stop_point();
        f.select_inner_batch(static_cast<uint64_t>(j - 1));
        f.gradient(y, grad_);                                                     // ∇f(y^{j−1})
        const LangevinRate& rate = chain.rates[static_cast<std::size_t>(j - 1)];  // ε_j/2, s_j, ε_j
        arrays.half_eps = rate.half_eps;
        arrays.noise_scale = rate.noise_scale;
        arrays.eps = rate.eps;
        arrays.z = noise();
        // y^j = y^{j−1} − (ε_j/2)(∇f(y^{j−1}) + (y^{j−1} − x)/τ) + η_j;  Σ_j ε_j y^j
        diagonal ? langevin_step<true>(arrays, d) : langevin_step<false>(arrays, d);
      });
}

}  // namespace

std::unique_ptr<LangevinWork> cpu_langevin_work(const Backend& backend) {
  return std::make_unique<CpuLangevinWork>(backend);
}

void Sgld::restore_state(std::span<const float> state) {
  const auto n_chains = static_cast<Eigen::Index>(settings_.n_chains);
  if (state.size() % static_cast<std::size_t>(n_chains) != 0)
    fail("sgld: a state of {} numbers does not hold {} chains", state.size(), n_chains);
  chains_ =
      Eigen::Map<const Samples>(state.data(), static_cast<Eigen::Index>(state.size()) / n_chains, n_chains);
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
