#include "valley/backends/kernels/emulated_kernels.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "valley/backends/kernels/kernel_device.h"
#include "valley/backends/kernels/robbins_monro_bodies.h"

namespace valley::kernels {
namespace {

class EmulatedKernels final : public Kernels {
 public:
  std::string name() const override { return "emulated: the GPU kernels' bodies on the CPU, one thread"; }
  std::string flag() const override { return "emulate"; }

  void* allocate(std::size_t bytes) override {
    void* memory = std::malloc(bytes == 0 ? 1 : bytes);
    if (memory == nullptr) throw std::bad_alloc();
    return memory;
  }
  void release(void* memory) noexcept override { std::free(memory); }
  void upload(void* to, const void* from_host, std::size_t bytes) override {
    std::memcpy(to, from_host, bytes);
  }
  void download(void* to_host, const void* from, std::size_t bytes) override {
    std::memcpy(to_host, from, bytes);
  }
  void synchronize() override {}

  void fill_normal(const NoiseKey& key, uint64_t offset, float* out, int64_t n) override {
    for (int64_t t = 0; t < n; ++t) out[t] = normal_of(key, offset + static_cast<uint64_t>(t));
  }

  void dense_forward(const DenseShape& shape, int64_t n_problems, const float* in, const float* w,
                     const float* b, float* z, float* h) override {
    for (int64_t s = 0; s < n_problems; ++s)
      for (int r = 0; r < shape.batch_size; ++r)
        for (int c = 0; c < shape.n_out; ++c) dense_forward_at(shape, in, w, b, z, h, s, r, c);
  }
  void softmax_cross_entropy(int n_classes, int batch_size, const float* z, int64_t stride,
                             const uint8_t* labels, double* row_loss, float* dz,
                             int64_t n_problems) override {
    for (int64_t s = 0; s < n_problems; ++s)
      for (int r = 0; r < batch_size; ++r)
        softmax_cross_entropy_at(n_classes, batch_size, z, stride, labels, row_loss, dz, s, r);
  }
  void weight_gradient(const DenseShape& shape, int64_t n_problems, const float* in, const float* dz,
                       float* grad_w) override {
    for (int i = 0; i < shape.n_in; ++i)
      for (int c = 0; c < shape.n_out; ++c) weight_gradient_at(shape, n_problems, in, dz, grad_w, i, c);
  }
  void bias_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, float* grad_b) override {
    for (int c = 0; c < shape.n_out; ++c) bias_gradient_at(shape, n_problems, dz, grad_b, c);
  }
  void input_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, const float* w,
                      const float* z_below, float* dz_below) override {
    for (int64_t s = 0; s < n_problems; ++s)
      for (int r = 0; r < shape.batch_size; ++r)
        for (int i = 0; i < shape.n_in; ++i) input_gradient_at(shape, dz, w, z_below, dz_below, s, r, i);
  }

  void sgd_update(float* x, const float* grad, float lr, int64_t d) override {
    for (int64_t i = 0; i < d; ++i) sgd_update_at(x, grad, lr, i);
  }
  void langevin_step(const LangevinStep& step, int64_t d) override {
    for (int64_t i = 0; i < d; ++i) langevin_step_at(step, i);
  }
  void robbins_monro_update(float* x_j, const float* x_k, const float* grad_sum, float a_j, float tau_over_m,
                            int64_t d) override {
    for (int64_t i = 0; i < d; ++i) robbins_monro_update_at(x_j, x_k, grad_sum, a_j, tau_over_m, i);
  }

  void perturbed_first_layer(const PerturbedFirstLayer& p, int64_t n_samples) override {
    for (int64_t s = 0; s < n_samples; ++s)
      for (int c = 0; c < p.n_out; ++c) perturbed_first_layer_at(p, s, c);
  }
  void perturbed_rest(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                      const NoiseLayout& noise, float* out, int64_t n_samples) override {
    for (int64_t s = 0; s < n_samples; ++s)
      for (int64_t t = 0; t < n_rest; ++t) perturbed_rest_at(x, rest_offset, n_rest, sigma, noise, out, s, t);
  }
  void sample_loss(const double* row_loss, int batch_size, double* loss, int64_t n_samples) override {
    for (int64_t s = 0; s < n_samples; ++s) sample_loss_at(row_loss, batch_size, loss, s);
  }
  void weighted_noise(uint64_t seed, uint32_t k, const float* weights, int64_t n_samples, int64_t d,
                      int n_parts, float* parts) override {
    for (int g = 0; g < n_parts; ++g)
      for (int64_t block = 0; 4 * block < d; ++block)
        weighted_noise_at(seed, k, weights, n_samples * g / n_parts, n_samples * (g + 1) / n_parts, d,
                          parts + g * d, block);
  }
  void sum_parts(const float* parts, int n_parts, int64_t d, float* out) override {
    for (int64_t i = 0; i < d; ++i) sum_parts_at(parts, n_parts, d, out, i);
  }
  void fma_chain(float* out, int64_t n_threads, int iterations) override {
    for (int64_t t = 0; t < n_threads; ++t) fma_chain_at(out, iterations, t);
  }
  void copy(float* to, const float* from, int64_t n) override {
    for (int64_t i = 0; i < n; ++i) copy_at(to, from, i);
  }
};

}  // namespace

std::unique_ptr<Device> make_emulated_device(int64_t chunk) {
  return make_kernel_device(std::make_unique<EmulatedKernels>(), chunk);
}

}  // namespace valley::kernels
