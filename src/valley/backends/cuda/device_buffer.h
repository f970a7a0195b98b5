// An array in device memory (cudaMalloc, never managed memory), grown on
// demand and freed with its owner, with copies to and from the host on a
// stream.
#pragma once

#include <cstddef>
#include <utility>

#include <cuda_runtime_api.h>

#include "valley/backends/cuda/cuda_check.h"

namespace valley::cuda {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&&) = delete;

  // Room for n entries; the contents are undefined after growing.
  void resize(std::size_t n) {
    if (n > capacity_) {
      if (data_ != nullptr) VALLEY_CUDA_CHECK(cudaFree(data_));
      data_ = nullptr;
      capacity_ = 0;
      VALLEY_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), n * sizeof(T)));
      capacity_ = n;
    }
    size_ = n;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

  // The n entries at `host` into this buffer (resized to n).
  void upload(const T* host, std::size_t n, cudaStream_t stream) {
    resize(n);
    if (n > 0) VALLEY_CUDA_CHECK(cudaMemcpyAsync(data_, host, n * sizeof(T), cudaMemcpyHostToDevice, stream));
  }
  // The first n entries of this buffer to `host`.
  void download(T* host, std::size_t n, cudaStream_t stream) const {
    if (n > 0) VALLEY_CUDA_CHECK(cudaMemcpyAsync(host, data_, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace valley::cuda
