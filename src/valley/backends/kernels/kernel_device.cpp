// The kernel device's sequences (docs/GPU.md). Nothing waits on the
// processor inside an update but the per-chunk losses of IS (a few
// kilobytes) and SGD's B row losses.
// B = batch size, L = layers, d = parameters, J = samples or steps,
// S = samples or draws per chunk, M = heat's draws.
#include "valley/backends/kernels/kernel_device.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/numerics/logsumexp.h"
#include "valley/numerics/importance_weight.h"

namespace valley::kernels {
namespace {

class KernelDevice final : public Device {
 public:
  KernelDevice(std::unique_ptr<Kernels> kernels, int64_t chunk)
      : kernels_(std::move(kernels)),
        chunk_(chunk),
        x_(*kernels_),
        x_j_(*kernels_),
        grad_(*kernels_),
        grad_chunk_(*kernels_),
        images_(*kernels_),
        normals_(*kernels_),
        centre_z1_(*kernels_),
        rest_params_(*kernels_),
        weights_(*kernels_),
        parts_(*kernels_),
        noise_sum_(*kernels_),
        y_(*kernels_),
        sums_(*kernels_),
        squares_(*kernels_),
        inv_s_(*kernels_),
        dz1_sum_(*kernels_),
        labels_(*kernels_),
        row_loss_(*kernels_),
        sample_loss_(*kernels_) {}

  std::string name() const override { return kernels_->name(); }
  std::string flag() const override { return kernels_->flag(); }
  int64_t launches() const override { return launches_; }

  DeviceCeilings measure_ceilings() override {
    DeviceCeilings out;
    Buffer<float> a(*kernels_), b(*kernels_);
    // Each measurement grows its size fourfold until it takes 10 ms (or
    // reaches the cap), and keeps the best of three runs at that size.
    const auto measure = [&](int64_t start, int64_t cap, const auto& enqueue) {
      for (int64_t n = start;; n *= 4) {
        double best = 1e300;
        for (int rep = 0; rep < 3; ++rep) {
          const auto begin = std::chrono::steady_clock::now();
          enqueue(n);
          kernels_->synchronize();
          best =
              std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
        }
        if (best >= 0.01 || n * 4 > cap) return std::pair<int64_t, double>{n, best};
      }
    };
    constexpr int kIterations = 1024;
    const auto [n_fma, fma_seconds] = measure(1024, int64_t{1} << 24, [&](int64_t n) {
      a.resize(static_cast<std::size_t>(n));
      kernels_->fma_chain(a.data(), n, kIterations);
    });
    out.flops_per_second = 8.0 * kIterations * static_cast<double>(n_fma) / fma_seconds;
    const auto [n_normals, normal_seconds] = measure(4096, int64_t{1} << 26, [&](int64_t n) {
      a.resize(static_cast<std::size_t>(n));
      kernels_->fill_normal(NoiseKey{1, Stream::test, 0, 0}, 0, a.data(), n);
    });
    out.normals_per_second = static_cast<double>(n_normals) / normal_seconds;
    const auto [n_copy, copy_seconds] = measure(4096, int64_t{1} << 26, [&](int64_t n) {
      a.resize(static_cast<std::size_t>(n));
      b.resize(static_cast<std::size_t>(n));
      kernels_->copy(b.data(), a.data(), n);
    });
    out.bytes_per_second = 8.0 * static_cast<double>(n_copy) / copy_seconds;
    constexpr int kLaunches = 200;
    const auto [unused, launch_seconds] = measure(1, 1, [&](int64_t) {
      for (int i = 0; i < kLaunches; ++i) kernels_->copy(b.data(), a.data(), 1);
    });
    out.seconds_per_launch = launch_seconds / kLaunches;
    return out;
  }

  void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) override {
    normals_.resize(out.size());
    launch().fill_normal(key, offset, normals_.data(), static_cast<int64_t>(out.size()));
    normals_.download(out.data(), out.size());
    kernels_->synchronize();
  }

  double loss_and_gradient(ConstVecRef x, const MlpBatch& batch, VecRef grad) override {
    upload_problem(x, batch);
    const double f = forward_backward();
    grad_.download(grad.data(), static_cast<std::size_t>(grad.size()));
    kernels_->synchronize();
    return f;
  }

  double gradient_step(VecRef x, const MlpBatch& batch, float lr) override {
    upload_problem(x, batch);
    const double f = forward_backward();
    // x_{k+1} = x_k − lr ∇f(x_k)
    launch().sgd_update(x_.data(), grad_.data(), lr, x.size());
    x_.download(x.data(), static_cast<std::size_t>(x.size()));
    kernels_->synchronize();
    return f;
  }

  ImportanceSums importance_sums(ConstVecRef x, const MlpBatch& batch, float sigma, double beta,
                                 uint64_t seed, uint32_t k, int64_t n_samples,
                                 VecRef weighted_noise) override {
    upload_problem(x, batch);
    const NetSpec& spec = *batch.spec;
    const int64_t d = spec.n_params();
    const int64_t chunk = std::min(n_samples, chunk_);
    centre_first_layer(x_.data());
    reserve_samples(chunk, false);
    sample_loss_.resize(static_cast<std::size_t>(chunk));
    std::vector<double> losses(static_cast<std::size_t>(n_samples));
    for (int64_t j0 = 0; j0 < n_samples; j0 += chunk) {
      const int64_t s_count = std::min(chunk, n_samples - j0);
      // ξ_j: NoiseKey{seed, importance, k, j}, one key per sample
      const NoiseLayout noise{NoiseKey{seed, Stream::importance, k, static_cast<uint32_t>(j0)}, 1, 0, 0};
      perturbed_forward(x_.data(), sigma, noise, s_count, false);
      launch().sample_loss(row_loss_.data(), batch_size_, sample_loss_.data(), s_count);
      sample_loss_.download(losses.data() + j0, static_cast<std::size_t>(s_count));
    }
    kernels_->synchronize();
    // log w^j = −β f(x^j), summed as the CPU estimator does (logsumexp.h);
    // then each weight in units of the largest.
    LogSumExp total;
    std::vector<double> log_w(losses.size());
    for (std::size_t j = 0; j < losses.size(); ++j) {
      log_w[j] = log_importance_weight(beta, losses[j], static_cast<int64_t>(j));
      if (log_w[j] != -std::numeric_limits<double>::infinity()) total.add(log_w[j]);
    }
    std::vector<float> weights(losses.size(), 0.0f);
    for (std::size_t j = 0; j < losses.size(); ++j)
      if (log_w[j] != -std::numeric_limits<double>::infinity())
        weights[j] = static_cast<float>(std::exp(log_w[j] - total.max()));
    // Σ_j w^j ξ_j, the noise regenerated from its counters: G parts of
    // consecutive samples (enough threads to fill a GPU), added in order.
    const int64_t n_blocks = (d + 3) / 4;
    const int n_parts = static_cast<int>(
        std::clamp<int64_t>((int64_t{1} << 18) / n_blocks, 1, std::min<int64_t>(64, n_samples)));
    weights_.upload(weights.data(), weights.size());
    parts_.resize(static_cast<std::size_t>(n_parts * d));
    noise_sum_.resize(static_cast<std::size_t>(d));
    launch().weighted_noise(seed, k, weights_.data(), n_samples, d, n_parts, parts_.data());
    launch().sum_parts(parts_.data(), n_parts, d, noise_sum_.data());
    noise_sum_.download(weighted_noise.data(), static_cast<std::size_t>(d));
    kernels_->synchronize();
    return {total.max(), total.scaled_sum(), total.scaled_sum_squares()};
  }

  void langevin_chain(ConstVecRef x, const MlpBatch& batch, const LangevinChain& chain, VecRef y, VecRef sums,
                      VecRef* squares) override {
    upload_problem(x, batch);
    const int64_t d = x.size();
    if (y.size() != d || sums.size() != d || (squares != nullptr && squares->size() != d))
      fail("--device: a chain of {} parameters for the net {}", y.size(), batch.spec->str());
    const std::vector<float> zeros(static_cast<std::size_t>(d), 0.0f);
    y_.upload(y.data(), static_cast<std::size_t>(d));
    sums_.upload(zeros.data(), zeros.size());
    if (squares != nullptr) squares_.upload(zeros.data(), zeros.size());
    if (chain.inv_s != nullptr) inv_s_.upload(chain.inv_s, static_cast<std::size_t>(d));
    LangevinStep step;
    step.y = y_.data();
    step.sums = sums_.data();
    step.squares = squares != nullptr ? squares_.data() : nullptr;
    step.centre = x_.data();
    step.grad = grad_.data();
    step.inv_s = chain.inv_s != nullptr ? inv_s_.data() : nullptr;
    step.inv_tau = chain.inv_tau;
    step.offset = chain.noise_offset;
    for (std::size_t j = 1; j <= chain.rates.size(); ++j) {
      enqueue_gradient(y_.data());  // ∇f(y^{j−1})
      const LangevinRate& rate = chain.rates[j - 1];
      step.half_eps = rate.half_eps;
      step.noise_scale = rate.noise_scale;
      step.eps = rate.eps;
      step.key = NoiseKey{chain.seed, Stream::sgld, chain.k, static_cast<uint32_t>(j)};
      launch().langevin_step(step, d);  // Alg. 3's step j
    }
    y_.download(y.data(), static_cast<std::size_t>(d));
    sums_.download(sums.data(), static_cast<std::size_t>(d));
    if (squares != nullptr) squares_.download(squares->data(), static_cast<std::size_t>(d));
    kernels_->synchronize();
  }

  void robbins_monro(VecRef x, const MlpBatch& batch, const RobbinsMonroRun& run) override {
    upload_problem(x, batch);  // x_ = x_k
    const int64_t d = x.size();
    x_j_.resize(static_cast<std::size_t>(d));
    launch().copy(x_j_.data(), x_.data(), d);  // x^0 = x_k
    for (std::size_t j = 1; j <= run.steps.size(); ++j) {
      // Σ_m ∇f(x^{j−1} + σ ξ_m), ξ_m: NoiseKey{seed, heat, k, j} from offset m·d
      const NoiseLayout noise{NoiseKey{run.seed, Stream::heat, run.k, static_cast<uint32_t>(j)}, 0,
                              static_cast<uint64_t>(d), 0};
      perturbed_gradient_sum(x_j_.data(), run.sigma, noise, run.n_draws);
      // eq. 17: x^j = x^{j−1} − a_j {x^{j−1} − x_k + (τ/M) Σ_m ∇f(z^(m))}
      launch().robbins_monro_update(x_j_.data(), x_.data(), grad_.data(), run.steps[j - 1], run.tau_over_m,
                                    d);
    }
    x_j_.download(x.data(), static_cast<std::size_t>(d));
    kernels_->synchronize();
  }

 private:
  // x, the minibatch and room for the layers' arrays.
  void upload_problem(ConstVecRef x, const MlpBatch& batch) {
    const NetSpec& spec = *batch.spec;
    if (x.size() != spec.n_params())
      fail("--device: {} parameters for the net {} (which has {})", x.size(), spec.str(), spec.n_params());
    const std::size_t b = static_cast<std::size_t>(batch.batch_size);
    x_.upload(x.data(), static_cast<std::size_t>(x.size()));
    images_.upload(batch.images, b * static_cast<std::size_t>(spec.n_inputs()));
    labels_.upload(batch.labels, b);
    grad_.resize(static_cast<std::size_t>(x.size()));
    while (z_.size() < static_cast<std::size_t>(spec.n_layers()) + 1) {
      z_.emplace_back(*kernels_);
      h_.emplace_back(*kernels_);
      dz_.emplace_back(*kernels_);
    }
    spec_ = &spec;
    batch_size_ = batch.batch_size;
  }

  DenseShape shape_of(int l, int64_t param_stride) const {
    const NetSpec& spec = *spec_;
    const int b = batch_size_;
    return {b,
            spec.widths[l - 1],
            spec.widths[l],
            static_cast<int64_t>(b) * spec.widths[l - 1],
            param_stride,
            static_cast<int64_t>(b) * spec.widths[l]};
  }

  // ∇f(at) into grad_ by backpropagation (Mlp::loss_and_gradient's steps,
  // one launch each), and the B row losses into row_loss_; nothing waits.
  void enqueue_gradient(const float* at) {
    const NetSpec& spec = *spec_;
    const int n_layers = spec.n_layers(), b = batch_size_;
    for (int l = 1; l <= n_layers; ++l) {
      const std::size_t size = static_cast<std::size_t>(b) * spec.widths[l];
      z_[l].resize(size);
      dz_[l].resize(size);
      if (l < n_layers) h_[l].resize(size);
    }
    row_loss_.resize(static_cast<std::size_t>(b));
    // z_l = h_{l−1} W_l + 1 b_lᵀ, h_l = ReLU(z_l)
    for (int l = 1; l <= n_layers; ++l)
      launch().dense_forward(shape_of(l, 0), 1, l == 1 ? images_.data() : h_[l - 1].data(),
                             at + spec.weights_offset(l), at + spec.bias_offset(l), z_[l].data(),
                             l < n_layers ? h_[l].data() : nullptr);
    // f's rows, and ∂f/∂z_L = (softmax(z_L) − onehot(y)) / B
    launch().softmax_cross_entropy(spec.n_outputs(), b, z_[n_layers].data(), 0, labels_.data(),
                                   row_loss_.data(), dz_[n_layers].data(), 1);
    for (int l = n_layers; l >= 1; --l) {
      const DenseShape shape = shape_of(l, 0);
      const float* in = l == 1 ? images_.data() : h_[l - 1].data();
      // ∂f/∂W_l = h_{l−1}ᵀ ∂f/∂z_l, ∂f/∂b_l = Σ_rows ∂f/∂z_l
      launch().weight_gradient(shape, 1, in, dz_[l].data(), grad_.data() + spec.weights_offset(l));
      launch().bias_gradient(shape, 1, dz_[l].data(), grad_.data() + spec.bias_offset(l));
      // ∂f/∂z_{l−1} = (∂f/∂z_l W_lᵀ) ⊙ [z_{l−1} > 0]
      if (l >= 2)
        launch().input_gradient(shape, 1, dz_[l].data(), at + spec.weights_offset(l), z_[l - 1].data(),
                                dz_[l - 1].data());
    }
  }

  // f(x) and ∇f(x) into grad_; waits for the B row losses only.
  double forward_backward() {
    enqueue_gradient(x_.data());
    std::vector<double> rows(static_cast<std::size_t>(batch_size_));
    row_loss_.download(rows.data(), rows.size());
    kernels_->synchronize();
    double total = 0.0;  // eq. 1, the rows in order (Mlp::forward_from)
    for (const double row : rows) total += row;
    return total / batch_size_;
  }

  // z_1(at) = X W_1 + 1 b_1ᵀ into centre_z1_.
  void centre_first_layer(const float* at) {
    const NetSpec& spec = *spec_;
    centre_z1_.resize(static_cast<std::size_t>(batch_size_) * spec.widths[1]);
    launch().dense_forward(shape_of(1, 0), 1, images_.data(), at, at + spec.bias_offset(1), centre_z1_.data(),
                           nullptr);
  }

  int64_t rest_offset() const {
    return spec_->n_layers() >= 2 ? spec_->weights_offset(2) : spec_->n_params();  // layers ≥ 2 start here
  }

  // Room for S samples' activations, parameters of layers ≥ 2, row losses
  // (and ∂f/∂z with `backward`).
  void reserve_samples(int64_t s, bool backward) {
    const NetSpec& spec = *spec_;
    const int n_layers = spec.n_layers();
    for (int l = 1; l <= n_layers; ++l) {
      const auto size = static_cast<std::size_t>(s * batch_size_ * spec.widths[l]);
      z_[l].resize(size);
      if (l < n_layers) h_[l].resize(size);
      if (backward) dz_[l].resize(size);
    }
    rest_params_.resize(
        static_cast<std::size_t>(std::max<int64_t>(1, s * (spec.n_params() - rest_offset()))));
    row_loss_.resize(static_cast<std::size_t>(s * batch_size_));
  }

  // The network at S points at + σ ξ_s (ξ_s where `noise` says) on the
  // minibatch: layer 1 from centre_z1_ (z_1(at)) and the noise, layers ≥ 2
  // at their perturbed parameters; row losses into row_loss_ and, with
  // `backward`, ∂f/∂z_L into dz_[L].
  void perturbed_forward(const float* at, float sigma, const NoiseLayout& noise, int64_t s_count,
                         bool backward) {
    const NetSpec& spec = *spec_;
    const int n_layers = spec.n_layers(), b = batch_size_;
    const int64_t rest = rest_offset(), n_rest = spec.n_params() - rest;
    PerturbedFirstLayer p;
    p.images = images_.data();
    p.centre_z1 = centre_z1_.data();
    p.batch_size = b;
    p.n_in = spec.widths[0];
    p.n_out = spec.widths[1];
    p.bias_offset = spec.bias_offset(1);
    p.sigma = sigma;
    p.noise = noise;
    p.z = z_[1].data();
    p.h = n_layers >= 2 ? h_[1].data() : nullptr;
    launch().perturbed_first_layer(p, s_count);
    if (n_rest > 0) launch().perturbed_rest(at, rest, n_rest, sigma, noise, rest_params_.data(), s_count);
    for (int l = 2; l <= n_layers; ++l)
      launch().dense_forward(shape_of(l, n_rest), s_count, h_[l - 1].data(),
                             rest_params_.data() + (spec.weights_offset(l) - rest),
                             rest_params_.data() + (spec.bias_offset(l) - rest), z_[l].data(),
                             l < n_layers ? h_[l].data() : nullptr);
    launch().softmax_cross_entropy(spec.n_outputs(), b, z_[n_layers].data(),
                                   static_cast<int64_t>(b) * spec.n_outputs(), labels_.data(),
                                   row_loss_.data(), backward ? dz_[n_layers].data() : nullptr, s_count);
  }

  // Σ_m ∇f(at + σ ξ_m), m < M, into grad_, in chunks of S draws. Layers ≥ 2
  // backpropagate each draw at its own parameters, their gradients summed
  // over the draws; layer 1's gradient is Xᵀ Σ_m ∂f/∂z_1^(m) (and its column
  // sums), as BatchMlpObjective::perturbed_gradient_sum forms it.
  void perturbed_gradient_sum(const float* at, float sigma, const NoiseLayout& noise, int64_t n_draws) {
    const NetSpec& spec = *spec_;
    const int n_layers = spec.n_layers(), b = batch_size_;
    const int64_t d = spec.n_params(), rest = rest_offset(), n_rest = d - rest;
    const int64_t chunk = std::min(n_draws, chunk_);
    const int64_t dz1_size = static_cast<int64_t>(b) * spec.widths[1];
    centre_first_layer(at);
    reserve_samples(chunk, true);
    dz1_sum_.resize(static_cast<std::size_t>(dz1_size));
    // With several chunks, grad_chunk_ holds [running sum, this chunk's].
    const bool chunked = n_draws > chunk;
    if (chunked) grad_chunk_.resize(static_cast<std::size_t>(2 * d));
    for (int64_t m0 = 0; m0 < n_draws; m0 += chunk) {
      const int64_t s_count = std::min(chunk, n_draws - m0);
      perturbed_forward(at, sigma, noise.from_sample(m0), s_count, true);
      float* out = chunked ? grad_chunk_.data() + (m0 == 0 ? 0 : d) : grad_.data();
      for (int l = n_layers; l >= 2; --l) {
        const DenseShape shape = shape_of(l, n_rest);
        launch().weight_gradient(shape, s_count, h_[l - 1].data(), dz_[l].data(),
                                 out + spec.weights_offset(l));
        launch().bias_gradient(shape, s_count, dz_[l].data(), out + spec.bias_offset(l));
        launch().input_gradient(shape, s_count, dz_[l].data(),
                                rest_params_.data() + (spec.weights_offset(l) - rest), z_[l - 1].data(),
                                dz_[l - 1].data());
      }
      // Σ_m ∂f/∂z_1^(m), then ∇_{W_1} = Xᵀ (Σ_m ∂f/∂z_1^(m)) and ∇_{b_1} its column sums
      launch().sum_parts(dz_[1].data(), static_cast<int>(s_count), dz1_size, dz1_sum_.data());
      const DenseShape first = shape_of(1, 0);
      launch().weight_gradient(first, 1, images_.data(), dz1_sum_.data(), out);
      launch().bias_gradient(first, 1, dz1_sum_.data(), out + spec.bias_offset(1));
      if (chunked && m0 > 0) launch().sum_parts(grad_chunk_.data(), 2, d, grad_chunk_.data());
    }
    if (chunked) launch().copy(grad_.data(), grad_chunk_.data(), d);
  }

  // The kernels, for a launch (counted).
  Kernels& launch() {
    ++launches_;
    return *kernels_;
  }

  std::unique_ptr<Kernels> kernels_;
  int64_t launches_ = 0;
  int64_t chunk_;  // samples (IS) or draws (heat) whose activations are held at once
  const NetSpec* spec_ = nullptr;
  int batch_size_ = 0;
  Buffer<float> x_, x_j_, grad_, grad_chunk_, images_, normals_, centre_z1_, rest_params_, weights_, parts_,
      noise_sum_, y_, sums_, squares_, inv_s_, dz1_sum_;
  Buffer<uint8_t> labels_;
  Buffer<double> row_loss_, sample_loss_;
  std::vector<Buffer<float>> z_, h_, dz_;  // per layer l = 1 … L (index 0 unused)
};

}  // namespace

std::unique_ptr<Device> make_kernel_device(std::unique_ptr<Kernels> kernels, int64_t chunk) {
  if (chunk < 1) fail("kernel device: chunks of {} samples", chunk);
  return std::make_unique<KernelDevice>(std::move(kernels), chunk);
}

}  // namespace valley::kernels
