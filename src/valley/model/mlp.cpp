#include "valley/model/mlp.h"

#include <algorithm>
#include <cmath>

#include "valley/model/blas.h"

namespace valley {

template <typename T>
Mlp<T>::Mlp(NetSpec spec) : spec_(std::move(spec)) {}

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
double Mlp<T>::forward(const T* x, const T* images, const uint8_t* labels, int batch_size,
                       bool keep_probabilities) {
  resize(batch_size);
  const int n_layers = spec_.n_layers();
  const T* input = images;
  for (int l = 1; l <= n_layers; ++l) {
    const int n_in = spec_.widths[l - 1];
    const int n_out = spec_.widths[l];
    const T* w = x + spec_.weights_offset(l);
    const T* b = x + spec_.bias_offset(l);
    T* z = z_[l].data();
    // z_l = h_{l−1} W_l + 1 b_lᵀ
    for (int r = 0; r < batch_size; ++r) std::copy_n(b, n_out, z + static_cast<std::size_t>(r) * n_out);
    gemm(false, false, batch_size, n_out, n_in, T(1), input, n_in, w, n_out, T(1), z, n_out);
    if (l < n_layers) {
      T* h = h_[l].data();
      const std::size_t size = static_cast<std::size_t>(batch_size) * n_out;
      for (std::size_t i = 0; i < size; ++i) h[i] = z[i] > T(0) ? z[i] : T(0);
      input = h;
    }
  }
  // Softmax cross-entropy, stable: −log softmax(z)_y = logsumexp(z) − z_y.
  const int n_classes = spec_.n_outputs();
  double total = 0.0;
  for (int r = 0; r < batch_size; ++r) {
    T* z = z_[n_layers].data() + static_cast<std::size_t>(r) * n_classes;
    const T max_z = *std::max_element(z, z + n_classes);
    double sum = 0.0;
    for (int c = 0; c < n_classes; ++c) sum += std::exp(static_cast<double>(z[c] - max_z));
    const double log_sum_exp = static_cast<double>(max_z) + std::log(sum);
    total += log_sum_exp - static_cast<double>(z[labels[r]]);
    if (keep_probabilities)
      for (int c = 0; c < n_classes; ++c)
        z[c] = static_cast<T>(std::exp(static_cast<double>(z[c]) - log_sum_exp));
  }
  return total / batch_size;
}

template <typename T>
double Mlp<T>::loss(const T* x, const T* images, const uint8_t* labels, int batch_size) {
  return forward(x, images, labels, batch_size, false);
}

template <typename T>
double Mlp<T>::loss_and_gradient(const T* x, const T* images, const uint8_t* labels,
                                 int batch_size, T* grad) {
  const double f = forward(x, images, labels, batch_size, true);
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
  for (int l = n_layers; l >= 1; --l) {
    const int n_in = spec_.widths[l - 1];
    const int n_out = spec_.widths[l];
    const T* input = l > 1 ? h_[l - 1].data() : images;
    T* grad_w = grad + spec_.weights_offset(l);
    T* grad_b = grad + spec_.bias_offset(l);
    // ∂f/∂W_l = h_{l−1}ᵀ ∂f/∂z_l ;  ∂f/∂b_l = Σ_rows ∂f/∂z_l
    gemm(true, false, n_in, n_out, batch_size, T(1), input, n_in, dz_.data(), n_out, T(0), grad_w,
         n_out);
    std::fill_n(grad_b, n_out, T(0));
    for (int r = 0; r < batch_size; ++r)
      for (int c = 0; c < n_out; ++c) grad_b[c] += dz_[static_cast<std::size_t>(r) * n_out + c];
    if (l > 1) {
      // ∂f/∂h_{l−1} = ∂f/∂z_l W_lᵀ ;  ∂f/∂z_{l−1} = ∂f/∂h_{l−1} ⊙ [z_{l−1} > 0]
      const T* w = x + spec_.weights_offset(l);
      gemm(false, true, batch_size, n_in, n_out, T(1), dz_.data(), n_out, w, n_out, T(0), dh_.data(),
           n_in);
      const T* z_below = z_[l - 1].data();
      const std::size_t size = static_cast<std::size_t>(batch_size) * n_in;
      for (std::size_t i = 0; i < size; ++i) dz_[i] = z_below[i] > T(0) ? dh_[i] : T(0);
    }
  }
  return f;
}

template <typename T>
typename Mlp<T>::Score Mlp<T>::score(const T* x, const T* images, const uint8_t* labels,
                                     int batch_size) {
  const double f = forward(x, images, labels, batch_size, false);
  const int n_classes = spec_.n_outputs();
  int64_t correct = 0;
  for (int r = 0; r < batch_size; ++r) {
    const T* z = z_[spec_.n_layers()].data() + static_cast<std::size_t>(r) * n_classes;
    if (std::max_element(z, z + n_classes) - z == labels[r]) ++correct;
  }
  return {f, correct};
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace valley
