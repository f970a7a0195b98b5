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
  double loss_and_gradient(const T* x, const T* images, const uint8_t* labels, int batch_size,
                           T* grad);

  // f(x) and how many of the images the network classifies correctly
  // (arg-max output equals the label).
  struct Score {
    double loss = 0.0;
    int64_t n_correct = 0;
  };
  Score score(const T* x, const T* images, const uint8_t* labels, int batch_size);

 private:
  // Fills z_ and h_ for the batch and returns f(x); leaves softmax
  // probabilities in z_[L] when `keep_probabilities` is set.
  double forward(const T* x, const T* images, const uint8_t* labels, int batch_size,
                 bool keep_probabilities);
  void resize(int batch_size);

  NetSpec spec_;
  int batch_size_ = 0;
  std::vector<std::vector<T>> z_;  // z_[l]: pre-activations of layer l (B × n_l), l = 1…L
  std::vector<std::vector<T>> h_;  // h_[l]: ReLU(z_[l]) for hidden layers l = 1…L−1
  std::vector<T> dz_;              // ∂f/∂z of the current layer during backpropagation
  std::vector<T> dh_;              // ∂f/∂h of the layer below
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace valley
