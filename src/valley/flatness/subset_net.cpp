#include "valley/flatness/subset_net.h"

#include <algorithm>
#include <cmath>

#include "valley/core/error.h"
#include "valley/core/stop_signal.h"
#include "valley/model/hessian_vector_product.h"
#include "valley/model/mlp.h"
#include "valley/model/net_fit.h"

namespace valley {

struct SubsetNet::Workspace {
  explicit Workspace(const NetSpec& spec) : mlp(spec), hvp(spec) {}
  Mlp<float> mlp;
  HessianVectorProduct<float> hvp;
  std::vector<float> z1;
};

SubsetNet::SubsetNet(NetSpec spec, const float* images, const uint8_t* labels, int64_t n,
                     const Backend& backend, int chunk_size)
    : spec_(std::move(spec)),
      images_(images),
      labels_(labels),
      n_(n),
      backend_(backend),
      chunk_size_(chunk_size) {
  if (n_ < 1) fail("the loss subset is empty");
  if (chunk_size_ < 1) fail("chunk size must be ≥ 1");
  check_labels_are_outputs(spec_, labels_, n_, "the loss subset");
  for (int t = 0; t < backend_.n_threads(); ++t) workspaces_.push_back(std::make_unique<Workspace>(spec_));
}

SubsetNet::~SubsetNet() = default;

int SubsetNet::chunk_rows(int64_t c) const {
  return static_cast<int>(std::min<int64_t>(chunk_size_, n_ - chunk_begin(c)));
}

SubsetNet::Score SubsetNet::fold_scores(const std::vector<double>& loss_sums,
                                        const std::vector<int64_t>& correct) const {
  Score s;
  int64_t n_correct = 0;
  for (int64_t c = 0; c < n_chunks(); ++c) {
    s.loss += loss_sums[static_cast<std::size_t>(c)];
    n_correct += correct[static_cast<std::size_t>(c)];
  }
  s.loss /= static_cast<double>(n_);
  s.accuracy = static_cast<double>(n_correct) / static_cast<double>(n_);
  return s;
}

void SubsetNet::fold_chunk_vectors(Eigen::VectorXd& out) const {
  const int64_t d = dim();
  out.setZero(d);
  for (int64_t c = 0; c < n_chunks(); ++c) {
    const double w = static_cast<double>(chunk_rows(c)) / static_cast<double>(n_);
    out += w * Eigen::Map<const Vec>(chunk_vectors_[static_cast<std::size_t>(c)].data(), d).cast<double>();
  }
}

SubsetNet::Score SubsetNet::score(const Vec& x) {
  throw_if_stopped("flatness");
  std::vector<double> loss_sums(static_cast<std::size_t>(n_chunks()));
  std::vector<int64_t> correct(static_cast<std::size_t>(n_chunks()));
  backend_.parallel_for(n_chunks(), [&](int thread, int64_t begin, int64_t end) {
    Workspace& ws = *workspaces_[static_cast<std::size_t>(thread)];
    for (int64_t c = begin; c < end; ++c) {
      const int rows = chunk_rows(c);
      const auto s =
          ws.mlp.score(x.data(), images_ + chunk_begin(c) * spec_.n_inputs(), labels_ + chunk_begin(c), rows);
      loss_sums[static_cast<std::size_t>(c)] = s.loss * rows;
      correct[static_cast<std::size_t>(c)] = s.n_correct;
    }
  });
  return fold_scores(loss_sums, correct);
}

double SubsetNet::gradient(const Vec& x, Eigen::VectorXd& grad) {
  throw_if_stopped("flatness");
  const int64_t d = dim();
  chunk_vectors_.resize(static_cast<std::size_t>(n_chunks()));
  std::vector<double> loss_sums(static_cast<std::size_t>(n_chunks()));
  backend_.parallel_for(n_chunks(), [&](int thread, int64_t begin, int64_t end) {
    Workspace& ws = *workspaces_[static_cast<std::size_t>(thread)];
    for (int64_t c = begin; c < end; ++c) {
      auto& g = chunk_vectors_[static_cast<std::size_t>(c)];
      g.resize(static_cast<std::size_t>(d));
      const int rows = chunk_rows(c);
      loss_sums[static_cast<std::size_t>(c)] =
          rows * ws.mlp.loss_and_gradient(x.data(), images_ + chunk_begin(c) * spec_.n_inputs(),
                                          labels_ + chunk_begin(c), rows, g.data());
    }
  });
  fold_chunk_vectors(grad);
  double loss = 0.0;
  for (int64_t c = 0; c < n_chunks(); ++c) loss += loss_sums[static_cast<std::size_t>(c)];
  return loss / static_cast<double>(n_);
}

void SubsetNet::hessian_vector_product(const Vec& x, const Eigen::VectorXd& v, Eigen::VectorXd& hv) {
  throw_if_stopped("flatness");
  const int64_t d = dim();
  const Vec v_float = v.cast<float>();
  chunk_vectors_.resize(static_cast<std::size_t>(n_chunks()));
  backend_.parallel_for(n_chunks(), [&](int thread, int64_t begin, int64_t end) {
    Workspace& ws = *workspaces_[static_cast<std::size_t>(thread)];
    for (int64_t c = begin; c < end; ++c) {
      auto& out = chunk_vectors_[static_cast<std::size_t>(c)];
      out.resize(static_cast<std::size_t>(d));
      ws.hvp.apply(x.data(), v_float.data(), images_ + chunk_begin(c) * spec_.n_inputs(),
                   labels_ + chunk_begin(c), chunk_rows(c), out.data());
    }
  });
  fold_chunk_vectors(hv);
}

std::vector<float> SubsetNet::first_layer(const Vec& u) {
  const int n1 = spec_.widths[1];
  std::vector<float> z(static_cast<std::size_t>(n_) * n1);
  backend_.parallel_for(n_chunks(), [&](int thread, int64_t begin, int64_t end) {
    Workspace& ws = *workspaces_[static_cast<std::size_t>(thread)];
    for (int64_t c = begin; c < end; ++c)
      ws.mlp.first_layer(u.data(), images_ + chunk_begin(c) * spec_.n_inputs(), chunk_rows(c),
                         z.data() + chunk_begin(c) * n1);
  });
  return z;
}

SubsetNet::Score SubsetNet::score_combination(const Vec& point,
                                              const std::vector<const std::vector<float>*>& parts,
                                              const std::vector<double>& coeffs) {
  throw_if_stopped("flatness");
  const int n1 = spec_.widths[1];
  std::vector<double> loss_sums(static_cast<std::size_t>(n_chunks()));
  std::vector<int64_t> correct(static_cast<std::size_t>(n_chunks()));
  backend_.parallel_for(n_chunks(), [&](int thread, int64_t begin, int64_t end) {
    Workspace& ws = *workspaces_[static_cast<std::size_t>(thread)];
    for (int64_t c = begin; c < end; ++c) {
      const int rows = chunk_rows(c);
      const std::size_t size = static_cast<std::size_t>(rows) * n1;
      const std::size_t offset = static_cast<std::size_t>(chunk_begin(c)) * n1;
      ws.z1.assign(size, 0.0f);
      for (std::size_t j = 0; j < parts.size(); ++j) {
        const float cj = static_cast<float>(coeffs[j]);
        const float* part = parts[j]->data() + offset;
        for (std::size_t i = 0; i < size; ++i) ws.z1[i] += cj * part[i];
      }
      const auto s =
          ws.mlp.score_above_first_layer(point.data(), ws.z1.data(), labels_ + chunk_begin(c), rows);
      loss_sums[static_cast<std::size_t>(c)] = s.loss * rows;
      correct[static_cast<std::size_t>(c)] = s.n_correct;
    }
  });
  return fold_scores(loss_sums, correct);
}

}  // namespace valley
