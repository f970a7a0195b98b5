// The paper's networks (§6.1): a dense multilayer perceptron with ReLU hidden
// units and a softmax output, trained on the mean cross-entropy over a
// minibatch — f in eq. 1. Works in float (training) and double (gradient
// checks). B = batch size, n_l = width of layer l, d = parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "valley/model/net_spec.h"

namespace valley {

template <typename T>
class Mlp {
 public:
  explicit Mlp(NetSpec spec);

  const NetSpec& spec() const { return spec_; }

  // f(x) = (1/B) Σ_b −log softmax(z_L(image_b))[label_b] (eq. 1).
  double loss(const T* x, const T* images, const uint8_t* labels, int batch_size);

  // f(x), and ∇f(x) written to `grad` (d entries), by backpropagation.
  double loss_and_gradient(const T* x, const T* images, const uint8_t* labels, int batch_size, T* grad);

  // f(x) and how many of the images the network classifies correctly
  // (arg-max output equals the label); with `predicted`, each image's
  // arg-max output is written there (batch_size entries).
  struct Score {
    double loss = 0.0;
    int64_t n_correct = 0;
  };
  Score score(const T* x, const T* images, const uint8_t* labels, int batch_size, int* predicted = nullptr);

  // Perturbed evaluations f(x + σξ) around a fixed x on a fixed minibatch
  // (the inner loops of Alg. 4 and 5). The first layer's pre-activations are
  // linear in its parameters, z_1(x + σξ) = z_1(x) + σ (X ξ_{W_1} + 1 ξ_{b_1}ᵀ),
  // so W_1 + σξ_{W_1} is never formed: z_1(x) is computed once by
  // first_layer() and each draw costs one X ξ_{W_1} product.

  // z1 = X W_1 + 1 b_1ᵀ at x (B × n_1); with a column range [c0, c1) only
  // those units' columns of z1 are written.
  void first_layer(const T* x, const T* images, int batch_size, T* z1) const;
  void first_layer(const T* x, const T* images, int batch_size, T* z1, int c0, int c1) const;

  // ∇f in three parts, so that the first layer — nearly all of the work in
  // 784-200-10 — can be split over threads by its units (the columns of W_1):
  // first_layer() per column range, then gradient_above_first_layer() (layers
  // ≥ 2 forward and back to ∂f/∂z_1, written to dz1), then
  // first_layer_gradient() per column range. Returns f from the middle part.
  double gradient_above_first_layer(const T* x, const T* z1, const uint8_t* labels, int batch_size, T* grad,
                                    T* dz1);
  // ∂f/∂W_1 = Xᵀ ∂f/∂z_1 and ∂f/∂b_1 = column sums of ∂f/∂z_1, for the units
  // [c0, c1).
  void first_layer_gradient(const T* images, int batch_size, const T* dz1, T* grad, int c0, int c1) const;

  // f and the correct count at x given layer 1's pre-activations z1 (B × n_1)
  // computed elsewhere: for points on a line or plane x_0 + Σ_j c_j u_j, z1 is
  // the same combination of first_layer(x_0) and first_layer(u_j) (layer 1 is
  // affine in its parameters), and only layers ≥ 2 of x are read.
  Score score_above_first_layer(const T* x, const T* z1, const uint8_t* labels, int batch_size);

  // f(x + σξ), given z1 = first_layer(x).
  double perturbed_loss(const T* x, const T* z1, T sigma, const T* xi, const T* images, const uint8_t* labels,
                        int batch_size);

  // f(x + σξ) and the parts of ∇f(x + σξ) that differ per draw: ∂f/∂z_1
  // (B × n_1) into dz1, and the gradients of layers 2 … L into grad_rest
  // (laid out as in x from W_2 on). The layer-1 gradient is Xᵀ ∂f/∂z_1 and
  // the column sums of ∂f/∂z_1.
  double perturbed_gradient_parts(const T* x, const T* z1, T sigma, const T* xi, const T* images,
                                  const uint8_t* labels, int batch_size, T* dz1, T* grad_rest);

 private:
  void resize(int batch_size);
  // Points w_[l], b_[l] at the parameters of each layer of x.
  void point_at(const T* x);
  // Points layers 2 … L at x + σξ (formed in perturbed_) and fills z_[1].
  void perturb(const T* x, const T* z1, T sigma, const T* xi, const T* images, int batch_size);
  // Runs layers from `first` (z_[first] computed from its input) to L, and
  // returns f; leaves softmax probabilities in z_[L] when asked.
  double forward_from(int first, const T* images, const uint8_t* labels, int batch_size,
                      bool keep_probabilities);
  // Backpropagates from the probabilities left by forward_from into dz_ of
  // layer 1, writing the gradients of layers ≥ 2 into grad, whose first
  // entry is parameter number `grad_base` of x.
  void backward_to_first(const uint8_t* labels, int batch_size, T* grad, int64_t grad_base);

  NetSpec spec_;
  int batch_size_ = 0;
  std::vector<std::vector<T>> z_;    // z_[l]: pre-activations of layer l (B × n_l), l = 1…L
  std::vector<std::vector<T>> h_;    // h_[l]: ReLU(z_[l]) for hidden layers l = 1…L−1
  std::vector<T> dz_;                // ∂f/∂z of the current layer during backpropagation
  std::vector<T> dh_;                // ∂f/∂h of the layer below
  std::vector<const T*> w_, b_;      // parameters of each layer used by the current pass
  std::vector<T> perturbed_;         // layers 2 … L of x + σξ
  std::vector<double> exp_shifted_;  // one row's exp(z_L − max z_L) in the softmax
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace valley
