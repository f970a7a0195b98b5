#include "valley/model/mlp.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "valley/model/blas.h"

namespace valley {
namespace {

// h = ReLU(z), entry by entry.
template <typename T>
void relu(const T* z, T* h, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) h[i] = z[i] > T(0) ? z[i] : T(0);
}

}  // namespace

template <typename T>
Mlp<T>::Mlp(NetSpec spec) : spec_(std::move(spec)) {
  const int n_layers = spec_.n_layers();
  w_.assign(static_cast<std::size_t>(n_layers) + 1, nullptr);
  b_.assign(static_cast<std::size_t>(n_layers) + 1, nullptr);
  perturbed_.resize(n_layers >= 2 ? static_cast<std::size_t>(spec_.n_params() - spec_.weights_offset(2)) : 0);
  exp_shifted_.resize(static_cast<std::size_t>(spec_.n_outputs()));
}

template <typename T>
void Mlp<T>::resize(int batch_size) {
  if (batch_size == batch_size_) return;
  batch_size_ = batch_size;
  const int n_layers = spec_.n_layers();
  z_.assign(static_cast<std::size_t>(n_layers) + 1, {});
  h_.assign(static_cast<std::size_t>(n_layers), {});
  int widest = 0;
  for (int l = 1; l <= n_layers; ++l) {
    const std::size_t size = static_cast<std::size_t>(batch_size) * spec_.widths[l];
    z_[l].resize(size);
    if (l < n_layers) h_[l].resize(size);
    widest = std::max(widest, spec_.widths[l]);
  }
  dz_.resize(static_cast<std::size_t>(batch_size) * widest);
  dh_.resize(static_cast<std::size_t>(batch_size) * widest);
}

template <typename T>
void Mlp<T>::point_at(const T* x) {
  for (int l = 1; l <= spec_.n_layers(); ++l) {
    w_[l] = x + spec_.weights_offset(l);
    b_[l] = x + spec_.bias_offset(l);
  }
}

template <typename T>
double Mlp<T>::forward_from(int first, const T* images, const uint8_t* labels, int batch_size,
                            bool keep_probabilities) {
  const int n_layers = spec_.n_layers();
  for (int l = first; l <= n_layers; ++l) {
    const int n_in = spec_.widths[l - 1];
    const int n_out = spec_.widths[l];
    const T* input = l > 1 ? h_[l - 1].data() : images;
    T* z = z_[l].data();
    // z_l = h_{l−1} W_l + 1 b_lᵀ
    for (int r = 0; r < batch_size; ++r) std::copy_n(b_[l], n_out, z + static_cast<std::size_t>(r) * n_out);
    gemm(false, false, batch_size, n_out, n_in, T(1), input, n_in, w_[l], n_out, T(1), z, n_out);
    if (l < n_layers) relu(z, h_[l].data(), static_cast<std::size_t>(batch_size) * n_out);
  }
  // Softmax cross-entropy, stable: −log softmax(z)_y = logsumexp(z) − z_y.
  const int n_classes = spec_.n_outputs();
  double total = 0.0;
  for (int r = 0; r < batch_size; ++r) {
    T* z = z_[n_layers].data() + static_cast<std::size_t>(r) * n_classes;
    const T max_z = *std::max_element(z, z + n_classes);
    double sum = 0.0;
    for (int c = 0; c < n_classes; ++c) {
      exp_shifted_[static_cast<std::size_t>(c)] =
          std::exp(static_cast<double>(z[c]) - static_cast<double>(max_z));
      sum += exp_shifted_[static_cast<std::size_t>(c)];
    }
    const double log_sum_exp = static_cast<double>(max_z) + std::log(sum);
    total += log_sum_exp - static_cast<double>(z[labels[r]]);
    if (keep_probabilities) {
      // softmax(z)_c = exp(z_c − max z) / Σ_c' exp(z_c' − max z)
      const double inv_sum = 1.0 / sum;
      for (int c = 0; c < n_classes; ++c)
        z[c] = static_cast<T>(exp_shifted_[static_cast<std::size_t>(c)] * inv_sum);
    }
  }
  return total / batch_size;
}

template <typename T>
void Mlp<T>::backward_to_first(const uint8_t* labels, int batch_size, T* grad, int64_t grad_base) {
  const int n_layers = spec_.n_layers();
  const int n_classes = spec_.n_outputs();
  // ∂f/∂z_L = (softmax(z_L) − onehot(y)) / B
  const T inv_b = T(1) / static_cast<T>(batch_size);
  const T* p = z_[n_layers].data();
  for (int r = 0; r < batch_size; ++r)
    for (int c = 0; c < n_classes; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * n_classes + c;
      dz_[i] = (p[i] - (c == labels[r] ? T(1) : T(0))) * inv_b;
    }
  for (int l = n_layers; l >= 2; --l) {
    const int n_in = spec_.widths[l - 1];
    const int n_out = spec_.widths[l];
    T* grad_w = grad + (spec_.weights_offset(l) - grad_base);
    T* grad_b = grad + (spec_.bias_offset(l) - grad_base);
    // ∂f/∂W_l = h_{l−1}ᵀ ∂f/∂z_l ;  ∂f/∂b_l = Σ_rows ∂f/∂z_l
    gemm(true, false, n_in, n_out, batch_size, T(1), h_[l - 1].data(), n_in, dz_.data(), n_out, T(0), grad_w,
         n_out);
    std::fill_n(grad_b, n_out, T(0));
    for (int r = 0; r < batch_size; ++r)
      for (int c = 0; c < n_out; ++c) grad_b[c] += dz_[static_cast<std::size_t>(r) * n_out + c];
    // ∂f/∂h_{l−1} = ∂f/∂z_l W_lᵀ ;  ∂f/∂z_{l−1} = ∂f/∂h_{l−1} ⊙ [z_{l−1} > 0]
    gemm(false, true, batch_size, n_in, n_out, T(1), dz_.data(), n_out, w_[l], n_out, T(0), dh_.data(), n_in);
    // (Plain pointers, not the vectors: written through dz_[i], the loop
    // reloads dz_'s data pointer per entry and cannot be vectorized; as a
    // branch it mispredicts on half the units. The mask is an integer AND,
    // not a select: for plain x86-64 (the portable build) GCC 12 compiles the
    // select to a compare and a branch per entry, 31% of projected SGLD.)
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    const T* __restrict z_below = z_[l - 1].data();
    const T* __restrict dh = dh_.data();
    T* __restrict dz = dz_.data();
    const std::size_t size = static_cast<std::size_t>(batch_size) * n_in;
    for (std::size_t i = 0; i < size; ++i) {
      const Bits keep = Bits{0} - static_cast<Bits>(z_below[i] > T(0));  // all ones where z > 0
      dz[i] = std::bit_cast<T>(std::bit_cast<Bits>(dh[i]) & keep);       // dh, or +0
    }
  }
}

template <typename T>
void Mlp<T>::first_layer_gradient(const T* images, int batch_size, const T* dz1, T* grad, int c0,
                                  int c1) const {
  const int n_in = spec_.widths[0];
  const int n_out = spec_.widths[1];
  if (c1 <= c0) return;
  gemm(true, false, n_in, c1 - c0, batch_size, T(1), images, n_in, dz1 + c0, n_out, T(0),
       grad + spec_.weights_offset(1) + c0, n_out);
  T* grad_b = grad + spec_.bias_offset(1);
  std::fill(grad_b + c0, grad_b + c1, T(0));
  for (int r = 0; r < batch_size; ++r)
    for (int c = c0; c < c1; ++c) grad_b[c] += dz1[static_cast<std::size_t>(r) * n_out + c];
}

template <typename T>
double Mlp<T>::gradient_above_first_layer(const T* x, const T* z1, const uint8_t* labels, int batch_size,
                                          T* grad, T* dz1) {
  resize(batch_size);
  point_at(x);
  const std::size_t size = static_cast<std::size_t>(batch_size) * spec_.widths[1];
  std::copy_n(z1, size, z_[1].data());
  if (spec_.n_layers() >= 2) relu(z1, h_[1].data(), size);
  const double f = forward_from(2, nullptr, labels, batch_size, true);
  backward_to_first(labels, batch_size, grad, 0);
  std::copy_n(dz_.data(), size, dz1);
  return f;
}

template <typename T>
double Mlp<T>::loss(const T* x, const T* images, const uint8_t* labels, int batch_size) {
  resize(batch_size);
  point_at(x);
  return forward_from(1, images, labels, batch_size, false);
}

template <typename T>
double Mlp<T>::loss_and_gradient(const T* x, const T* images, const uint8_t* labels, int batch_size,
                                 T* grad) {
  resize(batch_size);
  point_at(x);
  const double f = forward_from(1, images, labels, batch_size, true);
  backward_to_first(labels, batch_size, grad, 0);
  first_layer_gradient(images, batch_size, dz_.data(), grad, 0, spec_.widths[1]);
  return f;
}

template <typename T>
typename Mlp<T>::Score Mlp<T>::score(const T* x, const T* images, const uint8_t* labels, int batch_size,
                                     int* predicted) {
  const double f = loss(x, images, labels, batch_size);
  const int n_classes = spec_.n_outputs();
  int64_t correct = 0;
  for (int r = 0; r < batch_size; ++r) {
    const T* z = z_[spec_.n_layers()].data() + static_cast<std::size_t>(r) * n_classes;
    const auto arg_max = static_cast<int>(std::max_element(z, z + n_classes) - z);
    if (arg_max == labels[r]) ++correct;
    if (predicted != nullptr) predicted[r] = arg_max;
  }
  return {f, correct};
}

template <typename T>
typename Mlp<T>::Score Mlp<T>::score_above_first_layer(const T* x, const T* z1, const uint8_t* labels,
                                                       int batch_size) {
  resize(batch_size);
  point_at(x);
  const std::size_t size = static_cast<std::size_t>(batch_size) * spec_.widths[1];
  std::copy_n(z1, size, z_[1].data());
  if (spec_.n_layers() >= 2) relu(z1, h_[1].data(), size);
  const double f = forward_from(2, nullptr, labels, batch_size, false);
  const int n_classes = spec_.n_outputs();
  int64_t correct = 0;
  for (int r = 0; r < batch_size; ++r) {
    const T* z = z_[spec_.n_layers()].data() + static_cast<std::size_t>(r) * n_classes;
    if (std::max_element(z, z + n_classes) - z == labels[r]) ++correct;
  }
  return {f, correct};
}

template <typename T>
void Mlp<T>::first_layer(const T* x, const T* images, int batch_size, T* z1) const {
  first_layer(x, images, batch_size, z1, 0, spec_.widths[1]);
}

template <typename T>
void Mlp<T>::first_layer(const T* x, const T* images, int batch_size, T* z1, int c0, int c1) const {
  const int n_in = spec_.widths[0];
  const int n_out = spec_.widths[1];
  if (c1 <= c0) return;
  const T* b = x + spec_.bias_offset(1);
  for (int r = 0; r < batch_size; ++r)
    std::copy(b + c0, b + c1, z1 + static_cast<std::size_t>(r) * n_out + c0);
  gemm(false, false, batch_size, c1 - c0, n_in, T(1), images, n_in, x + spec_.weights_offset(1) + c0, n_out,
       T(1), z1 + c0, n_out);
}

template <typename T>
void Mlp<T>::perturb(const T* x, const T* z1, T sigma, const T* xi, const T* images, int batch_size) {
  resize(batch_size);
  const int n_layers = spec_.n_layers();
  const int n_in = spec_.widths[0];
  const int n_out = spec_.widths[1];
  // z_1(x + σξ) = z_1(x) + σ (X ξ_{W_1} + 1 ξ_{b_1}ᵀ)
  T* z = z_[1].data();
  const T* xi_b = xi + spec_.bias_offset(1);
  for (int r = 0; r < batch_size; ++r)
    for (int c = 0; c < n_out; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * n_out + c;
      z[i] = z1[i] + sigma * xi_b[c];
    }
  gemm(false, false, batch_size, n_out, n_in, sigma, images, n_in, xi + spec_.weights_offset(1), n_out, T(1),
       z, n_out);
  if (n_layers == 1) return;
  relu(z, h_[1].data(), static_cast<std::size_t>(batch_size) * n_out);
  // Layers 2 … L of x + σξ, formed explicitly (they are small).
  const int64_t rest = spec_.weights_offset(2);
  const std::size_t n_rest = perturbed_.size();
  for (std::size_t i = 0; i < n_rest; ++i)
    perturbed_[i] = x[rest + static_cast<int64_t>(i)] + sigma * xi[rest + static_cast<int64_t>(i)];
  for (int l = 2; l <= n_layers; ++l) {
    w_[l] = perturbed_.data() + (spec_.weights_offset(l) - rest);
    b_[l] = perturbed_.data() + (spec_.bias_offset(l) - rest);
  }
}

template <typename T>
double Mlp<T>::perturbed_loss(const T* x, const T* z1, T sigma, const T* xi, const T* images,
                              const uint8_t* labels, int batch_size) {
  perturb(x, z1, sigma, xi, images, batch_size);
  // Layer 1 is done: start the forward pass at layer 2 (or at the output).
  return forward_from(2, images, labels, batch_size, false);
}

template <typename T>
double Mlp<T>::perturbed_gradient_parts(const T* x, const T* z1, T sigma, const T* xi, const T* images,
                                        const uint8_t* labels, int batch_size, T* dz1, T* grad_rest) {
  perturb(x, z1, sigma, xi, images, batch_size);
  const double f = forward_from(2, images, labels, batch_size, true);
  backward_to_first(labels, batch_size, grad_rest, spec_.n_layers() >= 2 ? spec_.weights_offset(2) : 0);
  std::copy_n(dz_.data(), static_cast<std::size_t>(batch_size) * spec_.widths[1], dz1);
  return f;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace valley
