// Exact Hessian-vector products Hv = ∇²f(x) v of the network's loss f (eq. 1)
// by Pearlmutter's R-operator (Neural Computation 6(1):147, 1994; Bishop,
// PRML §5.4.6): R{g} = ∂/∂r g(x + r v)|_{r=0} applied to every line of the
// forward and backward passes. With layer l: z_l = h_{l−1} W_l + 1 b_lᵀ,
// h_l = ReLU(z_l), m_l = [z_l > 0], p = softmax(z_L), and v = (V_l, c_l):
//   forward   R z_l = R h_{l−1} W_l + h_{l−1} V_l + 1 c_lᵀ,  R h_l = m_l ⊙ R z_l,  R h_0 = 0
//   output    δ_L = (p − e_y)/B,   R δ_L = (p ⊙ R z_L − p (pᵀ R z_L))/B   (row by row)
//   backward  R ∂W_l = R h_{l−1}ᵀ δ_l + h_{l−1}ᵀ R δ_l,   R ∂b_l = Σ_rows R δ_l
//             R δ_{l−1} = m_{l−1} ⊙ (R δ_l W_lᵀ + δ_l V_lᵀ)
// ReLU'' = 0 almost everywhere, so the mask contributes no further term: this
// is the Hessian autograd's double backpropagation computes. The cost is about
// two gradients (each product of a gradient appears twice; R h_0 = 0 spares
// one of layer 1's). No step size, no cancellation: exact in T's arithmetic.
// B = batch size, n_l = width of layer l, d = parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "valley/model/net_spec.h"

namespace valley {

template <typename T>
class HessianVectorProduct {
 public:
  explicit HessianVectorProduct(NetSpec spec);

  // Writes ∇²f(x) v into hv (d entries) and, if grad is not null, ∇f(x) into
  // grad; returns f(x).
  double apply(const T* x, const T* v, const T* images, const uint8_t* labels, int batch_size, T* hv,
               T* grad = nullptr);

  const NetSpec& spec() const { return spec_; }

 private:
  void resize(int batch_size);

  NetSpec spec_;
  int batch_size_ = 0;
  std::vector<std::vector<T>> z_, rz_;  // z_l and R z_l (B × n_l), l = 1…L; z_L becomes p
  std::vector<std::vector<T>> h_, rh_;  // h_l and R h_l for hidden layers
  std::vector<T> delta_, rdelta_;       // δ_l and R δ_l of the current layer
  std::vector<T> dh_, rdh_;             // the same for the layer below, before the mask
  std::vector<T> scratch_grad_;         // ∂W_l, ∂b_l when the caller wants no gradient
};

extern template class HessianVectorProduct<float>;
extern template class HessianVectorProduct<double>;

}  // namespace valley
