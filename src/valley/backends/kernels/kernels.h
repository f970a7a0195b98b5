// What the kernel device (kernel_device.h) asks of a processor: memory, and
// the launches of valley's kernels, each a grid of the per-thread bodies in
// this folder (mlp_bodies.h, importance_bodies.h, langevin_bodies.h,
// robbins_monro_bodies.h, ceiling_bodies.h). Two implement it: the CUDA kernels
// (backends/cuda/cuda_kernels.cpp: device memory, launches on one stream)
// and the emulated kernels (emulated_kernels.h: every body over its grid on the
// CPU, in order), which run the kernel device's whole orchestration on any
// machine for the tests. Launches and copies are queued in order and may
// return before they run; synchronize() waits for them and reports any
// failure as a one-line error. Pointers are the processor's memory.
// B = batch size, d = parameters, S = problems (samples, draws) per launch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "valley/backends/kernels/ceiling_bodies.h"
#include "valley/backends/kernels/importance_bodies.h"
#include "valley/backends/kernels/langevin_bodies.h"
#include "valley/backends/kernels/mlp_bodies.h"

namespace valley::kernels {

class Kernels {
 public:
  virtual ~Kernels() = default;

  // "cuda:0 NVIDIA H100 …", "host …".
  virtual std::string name() const = 0;
  // The --device that runs on them: "cuda", "emulate".
  virtual std::string flag() const = 0;

  // Memory of the processor; release takes what allocate gave (or null).
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void release(void* memory) noexcept = 0;
  virtual void upload(void* to, const void* from_host, std::size_t bytes) = 0;
  virtual void download(void* to_host, const void* from, std::size_t bytes) = 0;
  // Waits for everything queued; a failure is a one-line error.
  virtual void synchronize() = 0;

  // out[t] = normal_at(key, offset + t), t < n
  virtual void fill_normal(const NoiseKey& key, uint64_t offset, float* out, int64_t n) = 0;

  // The network (mlp_bodies.h): every (s, r, c) of dense_forward_at, every
  // (s, r) of softmax_cross_entropy_at, every (i, c) of weight_gradient_at,
  // every c of bias_gradient_at, every (s, r, i) of input_gradient_at.
  virtual void dense_forward(const DenseShape& shape, int64_t n_problems, const float* in, const float* w,
                             const float* b, float* z, float* h) = 0;
  virtual void softmax_cross_entropy(int n_classes, int batch_size, const float* z, int64_t stride,
                                     const uint8_t* labels, double* row_loss, float* dz,
                                     int64_t n_problems) = 0;
  virtual void weight_gradient(const DenseShape& shape, int64_t n_problems, const float* in, const float* dz,
                               float* grad_w) = 0;
  virtual void bias_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, float* grad_b) = 0;
  virtual void input_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, const float* w,
                              const float* z_below, float* dz_below) = 0;

  // The steps: sgd_update_at, langevin_step_at, robbins_monro_update_at over i < d.
  virtual void sgd_update(float* x, const float* grad, float lr, int64_t d) = 0;
  virtual void langevin_step(const LangevinStep& step, int64_t d) = 0;
  virtual void robbins_monro_update(float* x_j, const float* x_k, const float* grad_sum, float a_j,
                                    float tau_over_m, int64_t d) = 0;

  // The perturbed samples (importance_bodies.h): every (s, c) of
  // perturbed_first_layer_at, every (s, t) of perturbed_rest_at, every s of
  // sample_loss_at, every block of weighted_noise_at for each of the G
  // parts (part g: samples [J g / G, J (g + 1) / G)), every i of sum_parts_at.
  virtual void perturbed_first_layer(const PerturbedFirstLayer& p, int64_t n_samples) = 0;
  virtual void perturbed_rest(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                              const NoiseLayout& noise, float* out, int64_t n_samples) = 0;
  virtual void sample_loss(const double* row_loss, int batch_size, double* loss, int64_t n_samples) = 0;
  virtual void weighted_noise(uint64_t seed, uint32_t k, const float* weights, int64_t n_samples, int64_t d,
                              int n_parts, float* parts) = 0;
  virtual void sum_parts(const float* parts, int n_parts, int64_t d, float* out) = 0;

  // The ceilings (ceiling_bodies.h): every t < n_threads of fma_chain_at,
  // every i < n of copy_at.
  virtual void fma_chain(float* out, int64_t n_threads, int iterations) = 0;
  virtual void copy(float* to, const float* from, int64_t n) = 0;
};

// An array of T in a processor's memory, grown on demand (its contents are
// undefined after growing) and released with its owner.
template <typename T>
class Buffer {
 public:
  explicit Buffer(Kernels& kernels) : kernels_(&kernels) {}
  ~Buffer() { kernels_->release(data_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& other) noexcept
      : kernels_(other.kernels_),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  Buffer& operator=(Buffer&&) = delete;

  void resize(std::size_t n) {
    if (n > capacity_) {
      kernels_->release(data_);
      data_ = nullptr;
      capacity_ = 0;
      data_ = static_cast<T*>(kernels_->allocate(n * sizeof(T)));
      capacity_ = n;
    }
    size_ = n;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

  // The n entries at `host` into this buffer (resized to n).
  void upload(const T* host, std::size_t n) {
    resize(n);
    if (n > 0) kernels_->upload(data_, host, n * sizeof(T));
  }
  // The first n entries of this buffer to `host`.
  void download(T* host, std::size_t n) const {
    if (n > 0) kernels_->download(host, data_, n * sizeof(T));
  }

 private:
  Kernels* kernels_;
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace valley::kernels
