#include "valley/model/hessian_vector_product.h"

#include <algorithm>
#include <cmath>

#include "valley/model/blas.h"

namespace valley {

template <typename T>
HessianVectorProduct<T>::HessianVectorProduct(NetSpec spec) : spec_(std::move(spec)) {}

template <typename T>
void HessianVectorProduct<T>::resize(int batch_size) {
  if (batch_size == batch_size_) return;
  batch_size_ = batch_size;
  const int n_layers = spec_.n_layers();
  z_.assign(static_cast<std::size_t>(n_layers) + 1, {});
  rz_.assign(static_cast<std::size_t>(n_layers) + 1, {});
  h_.assign(static_cast<std::size_t>(n_layers), {});
  rh_.assign(static_cast<std::size_t>(n_layers), {});
  int widest = 0;
  for (int l = 1; l <= n_layers; ++l) {
    const std::size_t size = static_cast<std::size_t>(batch_size) * spec_.widths[l];
    z_[l].resize(size);
    rz_[l].resize(size);
    if (l < n_layers) {
      h_[l].resize(size);
      rh_[l].resize(size);
    }
    widest = std::max(widest, spec_.widths[l]);
  }
  const std::size_t widest_size = static_cast<std::size_t>(batch_size) * widest;
  delta_.resize(widest_size);
  rdelta_.resize(widest_size);
  dh_.resize(widest_size);
  rdh_.resize(widest_size);
}

template <typename T>
double HessianVectorProduct<T>::apply(const T* x, const T* v, const T* images, const uint8_t* labels,
                                      int batch_size, T* hv, T* grad) {
  resize(batch_size);
  const int n_layers = spec_.n_layers();
  if (grad == nullptr) {
    scratch_grad_.resize(static_cast<std::size_t>(spec_.n_params()));
    grad = scratch_grad_.data();
  }
  // Forward pass and its R-image.
  for (int l = 1; l <= n_layers; ++l) {
    const int n_in = spec_.widths[l - 1];
    const int n_out = spec_.widths[l];
    const T* w = x + spec_.weights_offset(l);
    const T* b = x + spec_.bias_offset(l);
    const T* vw = v + spec_.weights_offset(l);
    const T* vb = v + spec_.bias_offset(l);
    const T* input = l > 1 ? h_[l - 1].data() : images;
    T* z = z_[l].data();
    T* rz = rz_[l].data();
    for (int r = 0; r < batch_size; ++r) {
      std::copy_n(b, n_out, z + static_cast<std::size_t>(r) * n_out);
      std::copy_n(vb, n_out, rz + static_cast<std::size_t>(r) * n_out);
    }
    // z_l = h_{l−1} W_l + 1 b_lᵀ ;  R z_l = h_{l−1} V_l + R h_{l−1} W_l + 1 c_lᵀ
    gemm(false, false, batch_size, n_out, n_in, T(1), input, n_in, w, n_out, T(1), z, n_out);
    gemm(false, false, batch_size, n_out, n_in, T(1), input, n_in, vw, n_out, T(1), rz, n_out);
    if (l > 1)
      gemm(false, false, batch_size, n_out, n_in, T(1), rh_[l - 1].data(), n_in, w, n_out, T(1), rz, n_out);
    if (l < n_layers) {
      const std::size_t size = static_cast<std::size_t>(batch_size) * n_out;
      T* h = h_[l].data();
      T* rh = rh_[l].data();
      for (std::size_t i = 0; i < size; ++i) {
        const bool on = z[i] > T(0);
        h[i] = on ? z[i] : T(0);
        rh[i] = on ? rz[i] : T(0);
      }
    }
  }
  // Softmax cross-entropy and the output's δ_L, R δ_L.
  const int n_classes = spec_.n_outputs();
  const T inv_b = T(1) / static_cast<T>(batch_size);
  double total = 0.0;
  for (int r = 0; r < batch_size; ++r) {
    T* z = z_[n_layers].data() + static_cast<std::size_t>(r) * n_classes;
    const T* rz = rz_[n_layers].data() + static_cast<std::size_t>(r) * n_classes;
    T* delta = delta_.data() + static_cast<std::size_t>(r) * n_classes;
    T* rdelta = rdelta_.data() + static_cast<std::size_t>(r) * n_classes;
    const double max_z = static_cast<double>(*std::max_element(z, z + n_classes));
    double sum = 0.0;
    for (int c = 0; c < n_classes; ++c) sum += std::exp(static_cast<double>(z[c]) - max_z);
    total += max_z + std::log(sum) - static_cast<double>(z[labels[r]]);
    double p_dot_rz = 0.0;
    for (int c = 0; c < n_classes; ++c) {
      const double p = std::exp(static_cast<double>(z[c]) - max_z) / sum;
      z[c] = static_cast<T>(p);
      p_dot_rz += p * static_cast<double>(rz[c]);
    }
    for (int c = 0; c < n_classes; ++c) {
      // δ_L = (p − e_y)/B ;  R δ_L = (p ⊙ R z_L − p (pᵀ R z_L))/B
      delta[c] = (z[c] - (c == labels[r] ? T(1) : T(0))) * inv_b;
      rdelta[c] = static_cast<T>(static_cast<double>(z[c]) * (static_cast<double>(rz[c]) - p_dot_rz)) * inv_b;
    }
  }
  // Backward pass and its R-image.
  for (int l = n_layers; l >= 1; --l) {
    const int n_in = spec_.widths[l - 1];
    const int n_out = spec_.widths[l];
    const T* w = x + spec_.weights_offset(l);
    const T* vw = v + spec_.weights_offset(l);
    const T* input = l > 1 ? h_[l - 1].data() : images;
    T* grad_w = grad + spec_.weights_offset(l);
    T* grad_b = grad + spec_.bias_offset(l);
    T* hv_w = hv + spec_.weights_offset(l);
    T* hv_b = hv + spec_.bias_offset(l);
    // ∂W_l = h_{l−1}ᵀ δ_l ;  R ∂W_l = h_{l−1}ᵀ R δ_l + R h_{l−1}ᵀ δ_l
    gemm(true, false, n_in, n_out, batch_size, T(1), input, n_in, delta_.data(), n_out, T(0), grad_w, n_out);
    gemm(true, false, n_in, n_out, batch_size, T(1), input, n_in, rdelta_.data(), n_out, T(0), hv_w, n_out);
    if (l > 1)
      gemm(true, false, n_in, n_out, batch_size, T(1), rh_[l - 1].data(), n_in, delta_.data(), n_out, T(1),
           hv_w, n_out);
    std::fill_n(grad_b, n_out, T(0));
    std::fill_n(hv_b, n_out, T(0));
    for (int r = 0; r < batch_size; ++r)
      for (int c = 0; c < n_out; ++c) {
        const std::size_t i = static_cast<std::size_t>(r) * n_out + c;
        grad_b[c] += delta_[i];
        hv_b[c] += rdelta_[i];
      }
    if (l == 1) break;
    // ∂h_{l−1} = δ_l W_lᵀ ;  R ∂h_{l−1} = R δ_l W_lᵀ + δ_l V_lᵀ
    gemm(false, true, batch_size, n_in, n_out, T(1), delta_.data(), n_out, w, n_out, T(0), dh_.data(), n_in);
    gemm(false, true, batch_size, n_in, n_out, T(1), rdelta_.data(), n_out, w, n_out, T(0), rdh_.data(),
         n_in);
    gemm(false, true, batch_size, n_in, n_out, T(1), delta_.data(), n_out, vw, n_out, T(1), rdh_.data(),
         n_in);
    const T* z_below = z_[l - 1].data();
    const std::size_t size = static_cast<std::size_t>(batch_size) * n_in;
    for (std::size_t i = 0; i < size; ++i) {
      const bool on = z_below[i] > T(0);
      delta_[i] = on ? dh_[i] : T(0);
      rdelta_[i] = on ? rdh_[i] : T(0);
    }
  }
  return total / batch_size;
}

template class HessianVectorProduct<float>;
template class HessianVectorProduct<double>;

}  // namespace valley
