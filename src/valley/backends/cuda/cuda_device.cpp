// The CUDA device: one stream, the update's arrays in device memory, and the
// kernel sequences of SGD's update and Alg. 4's sums (docs/GPU.md). Each
// public call uploads x and the minibatch once, runs its whole sequence on
// the device and copies back only its result; nothing waits on the device
// in between but the per-chunk losses of IS (a few kilobytes).
// B = batch size, L = layers, d = parameters, J = samples, S = samples per chunk.
#include "valley/backends/cuda/cuda_device.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "valley/backends/cuda/cuda_check.h"
#include "valley/backends/cuda/device_buffer.h"
#include "valley/backends/cuda/kernels.h"
#include "valley/core/error.h"
#include "valley/sampling/logsumexp.h"

namespace valley::cuda {
namespace {

// Samples whose activations are held at once by importance_sums.
constexpr int64_t kChunk = 256;

class CudaDevice final : public Device {
 public:
  explicit CudaDevice(int device) {
    VALLEY_CUDA_CHECK(cudaSetDevice(device));
    cudaDeviceProp props{};
    VALLEY_CUDA_CHECK(cudaGetDeviceProperties(&props, device));
    int driver = 0;
    VALLEY_CUDA_CHECK(cudaDriverGetVersion(&driver));
    name_ = fmt::format("cuda:{} {} (sm_{}{}, {} SMs, driver {}.{})", device, props.name, props.major,
                        props.minor, props.multiProcessorCount, driver / 1000, driver % 1000 / 10);
    VALLEY_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~CudaDevice() override { cudaStreamDestroy(stream_); }
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  std::string name() const override { return name_; }

  void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) override {
    normals_.resize(out.size());
    launch_fill_normal(key, offset, normals_.data(), static_cast<int64_t>(out.size()), stream_);
    VALLEY_CUDA_CHECK(cudaGetLastError());
    normals_.download(out.data(), out.size(), stream_);
    synchronize();
  }

  double loss_and_gradient(ConstVecRef x, const MlpBatch& batch, VecRef grad) override {
    upload_problem(x, batch);
    const double f = forward_backward();
    grad_.download(grad.data(), static_cast<std::size_t>(grad.size()), stream_);
    synchronize();
    return f;
  }

  double gradient_step(VecRef x, const MlpBatch& batch, float lr) override {
    upload_problem(x, batch);
    const double f = forward_backward();
    // x_{k+1} = x_k − lr ∇f(x_k)
    launch_sgd_update(x_.data(), grad_.data(), lr, x.size(), stream_);
    VALLEY_CUDA_CHECK(cudaGetLastError());
    x_.download(x.data(), static_cast<std::size_t>(x.size()), stream_);
    synchronize();
    return f;
  }

  ImportanceSums importance_sums(ConstVecRef x, const MlpBatch& batch, float sigma, double beta, uint64_t seed,
                                 uint32_t k, int64_t n_samples, VecRef weighted_noise) override {
    upload_problem(x, batch);
    const NetSpec& spec = *batch.spec;
    const int n_layers = spec.n_layers(), b = batch.batch_size;
    const int64_t d = spec.n_params();
    const int64_t rest = n_layers >= 2 ? spec.weights_offset(2) : d;  // layers ≥ 2 start here
    const int64_t n_rest = d - rest;
    const int64_t chunk = std::min(n_samples, kChunk);
    // z_1(x) = X W_1 + 1 b_1ᵀ, once per update.
    centre_z1_.resize(static_cast<std::size_t>(b) * spec.widths[1]);
    launch_dense_forward(DenseShape{b, spec.widths[0], spec.widths[1], 0, 0, 0}, 1, images_.data(), x_.data(),
                         x_.data() + spec.bias_offset(1), centre_z1_.data(), nullptr, stream_);
    for (int l = 1; l <= n_layers; ++l) {
      z_[l].resize(static_cast<std::size_t>(chunk * b * spec.widths[l]));
      if (l < n_layers) h_[l].resize(z_[l].size());
    }
    rest_params_.resize(static_cast<std::size_t>(std::max<int64_t>(1, chunk * n_rest)));
    row_loss_.resize(static_cast<std::size_t>(chunk * b));
    sample_loss_.resize(static_cast<std::size_t>(chunk));
    std::vector<double> losses(static_cast<std::size_t>(n_samples));
    for (int64_t j0 = 0; j0 < n_samples; j0 += chunk) {
      const int64_t s_count = std::min(chunk, n_samples - j0);
      const NoiseKey first{seed, Stream::importance, k, static_cast<uint32_t>(j0)};
      // f(x + σ ξ_j) for the chunk's samples: layer 1 from z_1(x) and the
      // noise, layers ≥ 2 at x + σ ξ formed per sample.
      PerturbedFirstLayer p;
      p.images = images_.data();
      p.centre_z1 = centre_z1_.data();
      p.batch_size = b;
      p.n_in = spec.widths[0];
      p.n_out = spec.widths[1];
      p.bias_offset = spec.bias_offset(1);
      p.sigma = sigma;
      p.first = first;
      p.z = z_[1].data();
      p.h = n_layers >= 2 ? h_[1].data() : nullptr;
      launch_perturbed_first_layer(p, s_count, stream_);
      launch_perturbed_rest(x_.data(), rest, n_rest, sigma, first, rest_params_.data(), s_count, stream_);
      for (int l = 2; l <= n_layers; ++l) {
        const DenseShape shape{b, spec.widths[l - 1], spec.widths[l], static_cast<int64_t>(b) * spec.widths[l - 1],
                               n_rest, static_cast<int64_t>(b) * spec.widths[l]};
        launch_dense_forward(shape, s_count, h_[l - 1].data(), rest_params_.data() + (spec.weights_offset(l) - rest),
                             rest_params_.data() + (spec.bias_offset(l) - rest), z_[l].data(),
                             l < n_layers ? h_[l].data() : nullptr, stream_);
      }
      launch_softmax_cross_entropy(spec.n_outputs(), b, z_[n_layers].data(),
                                   static_cast<int64_t>(b) * spec.n_outputs(), labels_.data(), row_loss_.data(),
                                   nullptr, s_count, stream_);
      launch_sample_loss(row_loss_.data(), b, sample_loss_.data(), s_count, stream_);
      VALLEY_CUDA_CHECK(cudaGetLastError());
      sample_loss_.download(losses.data() + j0, static_cast<std::size_t>(s_count), stream_);
    }
    synchronize();
    // log w^j = −β f(x^j), summed as the CPU estimator does (logsumexp.h);
    // then each weight in units of the largest.
    LogSumExp total;
    std::vector<double> log_w(losses.size());
    for (std::size_t j = 0; j < losses.size(); ++j) {
      if (std::isnan(losses[j])) fail("importance sampling: the loss of sample {} is NaN", j + 1);
      log_w[j] = -beta * losses[j];
      if (log_w[j] != -std::numeric_limits<double>::infinity()) total.add(log_w[j]);
    }
    std::vector<float> weights(losses.size(), 0.0f);
    for (std::size_t j = 0; j < losses.size(); ++j)
      if (log_w[j] != -std::numeric_limits<double>::infinity())
        weights[j] = static_cast<float>(std::exp(log_w[j] - total.max()));
    // Σ_j w^j ξ_j, the noise regenerated from its counters: G parts of
    // consecutive samples (enough threads to fill the device), added in order.
    const int64_t n_blocks = (d + 3) / 4;
    const int n_parts = static_cast<int>(std::clamp<int64_t>((int64_t{1} << 18) / n_blocks, 1, std::min<int64_t>(64, n_samples)));
    weights_.upload(weights.data(), weights.size(), stream_);
    parts_.resize(static_cast<std::size_t>(n_parts * d));
    noise_sum_.resize(static_cast<std::size_t>(d));
    launch_weighted_noise(seed, k, weights_.data(), n_samples, d, n_parts, parts_.data(), stream_);
    launch_sum_parts(parts_.data(), n_parts, d, noise_sum_.data(), stream_);
    VALLEY_CUDA_CHECK(cudaGetLastError());
    noise_sum_.download(weighted_noise.data(), static_cast<std::size_t>(d), stream_);
    synchronize();
    return {total.max(), total.scaled_sum(), total.scaled_sum_squares()};
  }

 private:
  // x, the minibatch and room for the layers' arrays on the device.
  void upload_problem(ConstVecRef x, const MlpBatch& batch) {
    const NetSpec& spec = *batch.spec;
    if (x.size() != spec.n_params())
      fail("--device cuda: {} parameters for the net {} (which has {})", x.size(), spec.str(), spec.n_params());
    const std::size_t b = static_cast<std::size_t>(batch.batch_size);
    x_.upload(x.data(), static_cast<std::size_t>(x.size()), stream_);
    images_.upload(batch.images, b * static_cast<std::size_t>(spec.n_inputs()), stream_);
    labels_.upload(batch.labels, b, stream_);
    grad_.resize(static_cast<std::size_t>(x.size()));
    z_.resize(static_cast<std::size_t>(spec.n_layers()) + 1);
    h_.resize(z_.size());
    dz_.resize(z_.size());
    spec_ = &spec;
    batch_size_ = batch.batch_size;
  }

  // f(x) and ∇f(x) into grad_ by backpropagation (Mlp::loss_and_gradient's
  // steps, one kernel each); waits for the B row losses only.
  double forward_backward() {
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
      launch_dense_forward(DenseShape{b, spec.widths[l - 1], spec.widths[l], 0, 0, 0}, 1,
                           l == 1 ? images_.data() : h_[l - 1].data(), x_.data() + spec.weights_offset(l),
                           x_.data() + spec.bias_offset(l), z_[l].data(), l < n_layers ? h_[l].data() : nullptr,
                           stream_);
    // f's rows, and ∂f/∂z_L = (softmax(z_L) − onehot(y)) / B
    launch_softmax_cross_entropy(spec.n_outputs(), b, z_[n_layers].data(), 0, labels_.data(), row_loss_.data(),
                                 dz_[n_layers].data(), 1, stream_);
    for (int l = n_layers; l >= 1; --l) {
      const DenseShape shape{b, spec.widths[l - 1], spec.widths[l], 0, 0, 0};
      const float* in = l == 1 ? images_.data() : h_[l - 1].data();
      // ∂f/∂W_l = h_{l−1}ᵀ ∂f/∂z_l, ∂f/∂b_l = Σ_rows ∂f/∂z_l
      launch_weight_gradient(shape, in, dz_[l].data(), grad_.data() + spec.weights_offset(l), stream_);
      launch_bias_gradient(shape, dz_[l].data(), grad_.data() + spec.bias_offset(l), stream_);
      // ∂f/∂z_{l−1} = (∂f/∂z_l W_lᵀ) ⊙ [z_{l−1} > 0]
      if (l >= 2)
        launch_input_gradient(shape, dz_[l].data(), x_.data() + spec.weights_offset(l), z_[l - 1].data(),
                              dz_[l - 1].data(), stream_);
    }
    VALLEY_CUDA_CHECK(cudaGetLastError());
    std::vector<double> rows(static_cast<std::size_t>(b));
    row_loss_.download(rows.data(), rows.size(), stream_);
    synchronize();
    double total = 0.0;  // eq. 1, the rows in order (Mlp::forward_from)
    for (const double row : rows) total += row;
    return total / b;
  }

  void synchronize() {
    VALLEY_CUDA_CHECK(cudaGetLastError());
    VALLEY_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  std::string name_;
  cudaStream_t stream_ = nullptr;
  const NetSpec* spec_ = nullptr;
  int batch_size_ = 0;
  DeviceBuffer<float> x_, grad_, images_, normals_, centre_z1_, rest_params_, weights_, parts_, noise_sum_;
  DeviceBuffer<uint8_t> labels_;
  DeviceBuffer<double> row_loss_, sample_loss_;
  std::vector<DeviceBuffer<float>> z_, h_, dz_;  // per layer l = 1 … L (index 0 unused)
};

}  // namespace

int usable_device_count(std::string* why) {
  int n = 0;
  const cudaError_t status = cudaGetDeviceCount(&n);
  if (status != cudaSuccess) {
    if (why != nullptr) *why = fmt::format("cudaGetDeviceCount: {}", cudaGetErrorString(status));
    cudaGetLastError();  // clears the error
    return 0;
  }
  if (n == 0 && why != nullptr) *why = "no CUDA device";
  return n;
}

std::unique_ptr<Device> make_cuda_device() {
  std::string why;
  if (usable_device_count(&why) == 0) fail("--device cuda: no usable CUDA device ({})", why);
  return std::make_unique<CudaDevice>(0);
}

}  // namespace valley::cuda
