// The CUDA kernels (backends/kernels/kernels.h): device memory (cudaMalloc,
// never managed memory), copies and launches on one non-blocking stream,
// each launch checked at once. With them the kernel device
// (backends/kernels/kernel_device.h) is --device cuda.
#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "valley/backends/cuda/cuda_check.h"
#include "valley/backends/cuda/cuda_device.h"
#include "valley/backends/cuda/launchers.h"
#include "valley/backends/kernels/kernel_device.h"

namespace valley::cuda {
namespace {

class CudaKernels final : public kernels::Kernels {
 public:
  explicit CudaKernels(int device) {
    VALLEY_CUDA_CHECK(cudaSetDevice(device));
    cudaDeviceProp props{};
    VALLEY_CUDA_CHECK(cudaGetDeviceProperties(&props, device));
    int driver = 0;
    VALLEY_CUDA_CHECK(cudaDriverGetVersion(&driver));
    name_ = fmt::format("cuda:{} {} (sm_{}{}, {} SMs, driver {}.{})", device, props.name, props.major,
                        props.minor, props.multiProcessorCount, driver / 1000, driver % 1000 / 10);
    VALLEY_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~CudaKernels() override { cudaStreamDestroy(stream_); }
  CudaKernels(const CudaKernels&) = delete;
  CudaKernels& operator=(const CudaKernels&) = delete;

  std::string name() const override { return name_; }
  std::string flag() const override { return "cuda"; }

  void* allocate(std::size_t bytes) override {
    void* memory = nullptr;
    VALLEY_CUDA_CHECK(cudaMalloc(&memory, bytes == 0 ? 1 : bytes));
    return memory;
  }
  void release(void* memory) noexcept override {
    if (memory != nullptr) cudaFree(memory);
  }
  void upload(void* to, const void* from_host, std::size_t bytes) override {
    VALLEY_CUDA_CHECK(cudaMemcpyAsync(to, from_host, bytes, cudaMemcpyHostToDevice, stream_));
  }
  void download(void* to_host, const void* from, std::size_t bytes) override {
    VALLEY_CUDA_CHECK(cudaMemcpyAsync(to_host, from, bytes, cudaMemcpyDeviceToHost, stream_));
  }
  void synchronize() override {
    VALLEY_CUDA_CHECK(cudaGetLastError());
    VALLEY_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  void fill_normal(const NoiseKey& key, uint64_t offset, float* out, int64_t n) override {
    launch_fill_normal(key, offset, out, n, stream_);
    launched();
  }
  void dense_forward(const DenseShape& shape, int64_t n_problems, const float* in, const float* w,
                     const float* b, float* z, float* h) override {
    launch_dense_forward(shape, n_problems, in, w, b, z, h, stream_);
    launched();
  }
  void softmax_cross_entropy(int n_classes, int batch_size, const float* z, int64_t stride,
                             const uint8_t* labels, double* row_loss, float* dz,
                             int64_t n_problems) override {
    launch_softmax_cross_entropy(n_classes, batch_size, z, stride, labels, row_loss, dz, n_problems, stream_);
    launched();
  }
  void weight_gradient(const DenseShape& shape, int64_t n_problems, const float* in, const float* dz,
                       float* grad_w) override {
    launch_weight_gradient(shape, n_problems, in, dz, grad_w, stream_);
    launched();
  }
  void bias_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, float* grad_b) override {
    launch_bias_gradient(shape, n_problems, dz, grad_b, stream_);
    launched();
  }
  void input_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, const float* w,
                      const float* z_below, float* dz_below) override {
    launch_input_gradient(shape, n_problems, dz, w, z_below, dz_below, stream_);
    launched();
  }
  void sgd_update(float* x, const float* grad, float lr, int64_t d) override {
    launch_sgd_update(x, grad, lr, d, stream_);
    launched();
  }
  void langevin_step(const LangevinStep& step, int64_t d) override {
    launch_langevin_step(step, d, stream_);
    launched();
  }
  void robbins_monro_update(float* x_j, const float* x_k, const float* grad_sum, float a_j, float tau_over_m,
                            int64_t d) override {
    launch_robbins_monro_update(x_j, x_k, grad_sum, a_j, tau_over_m, d, stream_);
    launched();
  }
  void perturbed_first_layer(const PerturbedFirstLayer& p, int64_t n_samples) override {
    launch_perturbed_first_layer(p, n_samples, stream_);
    launched();
  }
  void perturbed_rest(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                      const NoiseLayout& noise, float* out, int64_t n_samples) override {
    launch_perturbed_rest(x, rest_offset, n_rest, sigma, noise, out, n_samples, stream_);
    launched();
  }
  void sample_loss(const double* row_loss, int batch_size, double* loss, int64_t n_samples) override {
    launch_sample_loss(row_loss, batch_size, loss, n_samples, stream_);
    launched();
  }
  void weighted_noise(uint64_t seed, uint32_t k, const float* weights, int64_t n_samples, int64_t d,
                      int n_parts, float* parts) override {
    launch_weighted_noise(seed, k, weights, n_samples, d, n_parts, parts, stream_);
    launched();
  }
  void sum_parts(const float* parts, int n_parts, int64_t d, float* out) override {
    launch_sum_parts(parts, n_parts, d, out, stream_);
    launched();
  }
  void fma_chain(float* out, int64_t n_threads, int iterations) override {
    launch_fma_chain(out, n_threads, iterations, stream_);
    launched();
  }
  void copy(float* to, const float* from, int64_t n) override {
    launch_copy(to, from, n, stream_);
    launched();
  }

 private:
  // A launch's own errors (a bad configuration) show at once.
  static void launched() { VALLEY_CUDA_CHECK(cudaGetLastError()); }

  std::string name_;
  cudaStream_t stream_ = nullptr;
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
  return kernels::make_kernel_device(std::make_unique<CudaKernels>(0));
}

}  // namespace valley::cuda
