// The network's loss on a fixed subset of images — the f that every flatness
// measure perturbs: the mean cross-entropy (eq. 1) over n images, not over a
// minibatch. The images are cut into chunks of a fixed size; threads take
// whole chunks, and per-chunk results are summed in chunk order, so every
// number is the same for any thread count. Layer 1 is affine in its
// parameters, so on a line or plane x_0 + Σ_j c_j u_j its pre-activations are
// Σ_j c_j first_layer(u_j) plus first_layer(x_0): with those computed once,
// each further point costs only the layers above the first.
// Every evaluation first checks for a stop signal (core/stop_signal.h; set
// only where a command installed its handler) and throws Interrupted, so
// that `valley flatness` stops within one evaluation.
// n = images, d = parameters, n_1 = width of layer 1.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "valley/backends/backend.h"
#include "valley/core/types.h"
#include "valley/model/net_spec.h"

namespace valley {

class SubsetNet {
 public:
  // images: n × n_0 floats, labels: n; both must outlive this object.
  SubsetNet(NetSpec spec, const float* images, const uint8_t* labels, int64_t n, const Backend& backend,
            int chunk_size = 500);
  ~SubsetNet();

  const NetSpec& spec() const { return spec_; }
  int64_t n_images() const { return n_; }
  int64_t dim() const { return spec_.n_params(); }

  struct Score {
    double loss = 0.0;      // mean cross-entropy
    double accuracy = 0.0;  // fraction classified correctly
  };
  Score score(const Vec& x);

  // f(x); ∇f(x) into grad (d).
  double gradient(const Vec& x, Eigen::VectorXd& grad);

  // hv = ∇²f(x) v, by the R-operator in float, chunk results summed in double.
  void hessian_vector_product(const Vec& x, const Eigen::VectorXd& v, Eigen::VectorXd& hv);

  // first_layer(u) over the whole subset: X u_{W_1} + 1 u_{b_1}ᵀ (n × n_1).
  std::vector<float> first_layer(const Vec& u);

  // The score at the point whose layer-1 pre-activations are Σ_j c_j parts[j]
  // (each from first_layer) and whose layers ≥ 2 are those of `point`.
  Score score_combination(const Vec& point, const std::vector<const std::vector<float>*>& parts,
                          const std::vector<double>& coeffs);

 private:
  struct Workspace;
  int64_t n_chunks() const { return (n_ + chunk_size_ - 1) / chunk_size_; }
  int64_t chunk_begin(int64_t c) const { return c * chunk_size_; }
  int chunk_rows(int64_t c) const;
  // The subset's mean score from per-chunk loss sums and correct counts,
  // added in chunk order (the same for any thread count).
  Score fold_scores(const std::vector<double>& loss_sums, const std::vector<int64_t>& correct) const;
  // Σ_c (rows_c / n) chunk_vectors_[c], in chunk order, into out.
  void fold_chunk_vectors(Eigen::VectorXd& out) const;

  NetSpec spec_;
  const float* images_;
  const uint8_t* labels_;
  int64_t n_;
  const Backend& backend_;
  int chunk_size_;
  std::vector<std::unique_ptr<Workspace>> workspaces_;  // one per thread
  std::vector<std::vector<float>> chunk_vectors_;       // per-chunk d-vectors (gradients, Hv)
};

}  // namespace valley
