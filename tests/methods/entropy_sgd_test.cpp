// Entropy-SGD against an independent re-statement, in double with plain
// loops, of its reference implementation's update (ucla-vision/entropy-sgd,
// python/optim.py), on a small tanh network whose minibatch changes with
// every inner step.
#include "valley/methods/entropy_sgd.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

// A 3-4-2 tanh network with softmax cross-entropy; minibatch j (four points)
// is a fixed function of j, selected by select_inner_batch. 26 parameters:
// W1 (4×3), b1 (4), W2 (2×4), b2 (2).
class TinyNet final : public Objective {
 public:
  static constexpr int kIn = 3, kHidden = 4, kOut = 2, kBatch = 4;
  static constexpr int64_t kDim = kHidden * kIn + kHidden + kOut * kHidden + kOut;

  int64_t dim() const override { return kDim; }
  void select_inner_batch(uint64_t j) override { batch_ = j + 1; }
  bool fresh_inner_batches() const override { return true; }
  void select_outer(uint64_t k) { batch_ = 1000 + k; }
  uint64_t batch() const { return batch_; }

  // f and ∇f on minibatch `batch`, in double.
  static double loss_and_gradient(const std::vector<double>& x, uint64_t batch, std::vector<double>& g) {
    g.assign(kDim, 0.0);
    const double* w1 = x.data();
    const double* b1 = w1 + kHidden * kIn;
    const double* w2 = b1 + kHidden;
    const double* b2 = w2 + kOut * kHidden;
    double total = 0.0;
    for (int n = 0; n < kBatch; ++n) {
      double in[kIn];
      for (int i = 0; i < kIn; ++i) in[i] = std::sin(0.7 * static_cast<double>(batch) + 1.3 * n + 0.9 * i);
      const int label = static_cast<int>((batch + static_cast<uint64_t>(n)) % 2);
      double h[kHidden], out[kOut];
      for (int r = 0; r < kHidden; ++r) {
        double s = b1[r];
        for (int i = 0; i < kIn; ++i) s += w1[r * kIn + i] * in[i];
        h[r] = std::tanh(s);
      }
      double mx = -1e300;
      for (int o = 0; o < kOut; ++o) {
        out[o] = b2[o];
        for (int r = 0; r < kHidden; ++r) out[o] += w2[o * kHidden + r] * h[r];
        mx = std::max(mx, out[o]);
      }
      double z = 0.0;
      for (double v : out) z += std::exp(v - mx);
      total += -(out[label] - mx - std::log(z));
      double dout[kOut], dh[kHidden] = {0, 0, 0, 0};
      for (int o = 0; o < kOut; ++o)
        dout[o] = (std::exp(out[o] - mx) / z - (o == label ? 1.0 : 0.0)) / kBatch;
      for (int o = 0; o < kOut; ++o) {
        g[static_cast<std::size_t>(kHidden * kIn + kHidden + kOut * kHidden + o)] += dout[o];
        for (int r = 0; r < kHidden; ++r) {
          g[static_cast<std::size_t>(kHidden * kIn + kHidden + o * kHidden + r)] += dout[o] * h[r];
          dh[r] += dout[o] * w2[o * kHidden + r];
        }
      }
      for (int r = 0; r < kHidden; ++r) {
        const double ds = dh[r] * (1.0 - h[r] * h[r]);
        g[static_cast<std::size_t>(kHidden * kIn + r)] += ds;
        for (int i = 0; i < kIn; ++i) g[static_cast<std::size_t>(r * kIn + i)] += ds * in[i];
      }
    }
    return total / kBatch;
  }

 protected:
  double compute_loss(ConstVecRef x) override {
    std::vector<double> g;
    return loss_and_gradient(to_double(x), batch_, g);
  }
  double compute_gradient(ConstVecRef x, VecRef grad) override {
    std::vector<double> g;
    const double f = loss_and_gradient(to_double(x), batch_, g);
    for (int64_t i = 0; i < kDim; ++i) grad[i] = static_cast<float>(g[static_cast<std::size_t>(i)]);
    return f;
  }

 private:
  static std::vector<double> to_double(ConstVecRef x) { return {x.data(), x.data() + x.size()}; }
  uint64_t batch_ = 0;
};

struct Reference {
  int64_t L;
  double lr, momentum, weight_decay, eps, g0, g1;
  bool nesterov;
  uint64_t seed;
};

// python/optim.py's EntropySGD.step, damp = 0, for updates k = 0 … K−1 (the
// outer momentum buffer starts at the first update's gradient, as state['mdw']
// = deepcopy(w.grad) there), with γ_k = γ0 (1 + γ1)^k.
std::vector<double> reference_updates(std::vector<double> w, const Reference& c, int n_updates) {
  const std::size_t d = w.size();
  const double llr = 0.1, beta1 = 0.75;
  std::vector<double> mdw, grad;
  for (int k = 0; k < n_updates; ++k) {
    if (k == 0) TinyNet::loss_and_gradient(w, 1000, mdw);  // the closure on the outer batch
    const std::vector<double> wc = w;
    std::vector<double> mw = w, inner_mdw(d, 0.0);
    const double g = c.g0 * std::pow(1.0 + c.g1, k);
    for (int64_t j = 0; j < c.L; ++j) {
      TinyNet::loss_and_gradient(w, static_cast<uint64_t>(j) + 1, grad);
      std::vector<double> dw = grad;
      for (std::size_t i = 0; i < d; ++i) dw[i] += c.weight_decay * w[i];
      bool aliased = false;
      if (c.momentum > 0) {
        for (std::size_t i = 0; i < d; ++i) inner_mdw[i] = c.momentum * inner_mdw[i] + dw[i];
        if (c.nesterov)
          for (std::size_t i = 0; i < d; ++i) dw[i] += c.momentum * inner_mdw[i];
        else
          aliased = true;
      }
      std::vector<double>& step = aliased ? inner_mdw : dw;
      for (std::size_t i = 0; i < d; ++i) {
        const double eta = normal_at(
            NoiseKey{c.seed, Stream::entropy_sgd, static_cast<uint32_t>(k), static_cast<uint32_t>(j)}, i);
        step[i] += -g * (wc[i] - w[i]) + c.eps / std::sqrt(0.5 * llr) * eta;
        w[i] -= llr * step[i];
        mw[i] = beta1 * mw[i] + (1 - beta1) * w[i];
      }
    }
    for (std::size_t i = 0; i < d; ++i) {
      double dw = wc[i] - mw[i] + c.weight_decay * wc[i];
      if (c.momentum > 0) {
        mdw[i] = c.momentum * mdw[i] + dw;
        dw = c.nesterov ? dw + c.momentum * mdw[i] : mdw[i];
      }
      w[i] = wc[i] - c.lr * dw;
    }
  }
  return w;
}

Vec start_point() {
  Vec x(TinyNet::kDim);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = 0.5f * std::sin(1.7f * static_cast<float>(i) + 0.3f);
  return x;
}

void expect_matches_reference(const Reference& c) {
  const auto backend = make_cpu_backend(1);
  BaseOptimizerSettings base;
  base.lr = c.lr;
  base.momentum = c.momentum;
  base.nesterov = c.nesterov;
  base.weight_decay = c.weight_decay;
  EntropySgd method({c.L, c.g0, c.g1, c.eps, 0.1, 0.75, c.seed}, base, *backend);
  TinyNet f;
  Vec x = start_point();
  const int n_updates = 3;
  for (int k = 0; k < n_updates; ++k) {
    f.select_outer(static_cast<uint64_t>(k));
    method.step(x, f, static_cast<uint64_t>(k));
  }
  const Vec x0 = start_point();
  const std::vector<double> expected = reference_updates({x0.data(), x0.data() + x0.size()}, c, n_updates);
  double moved = 0.0;
  for (int64_t i = 0; i < TinyNet::kDim; ++i) {
    EXPECT_NEAR(x[i], expected[static_cast<std::size_t>(i)], 2e-6) << "coordinate " << i;
    moved = std::max(moved, std::abs(expected[static_cast<std::size_t>(i)] - x0[i]));
  }
  EXPECT_GT(moved, 1e-3);  // the comparison is not between two unmoved points
  // L inner gradients per update, and the outer buffer's first gradient.
  EXPECT_EQ(f.counts().n_gradient, n_updates * c.L + (c.momentum > 0 ? 1 : 0));
}

TEST(EntropySgd, MatchesTheReferenceUpdateWithOneLangevinStep) {
  expect_matches_reference({1, 0.5, 0.9, 1e-3, 0.0, 0.03, 0.5, true, 7});
}

TEST(EntropySgd, MatchesTheReferenceUpdateWithThreeLangevinSteps) {
  expect_matches_reference({3, 0.5, 0.9, 1e-3, 0.0, 0.03, 0.5, true, 7});
}

TEST(EntropySgd, MatchesTheReferenceUpdateWithNoise) {
  expect_matches_reference({1, 0.5, 0.9, 1e-3, 0.01, 0.03, 0.5, true, 7});
  expect_matches_reference({3, 0.5, 0.9, 1e-3, 0.01, 0.03, 0.5, true, 11});
}

TEST(EntropySgd, MatchesTheReferenceWithHeavyBallAndWithoutMomentum) {
  expect_matches_reference({3, 0.5, 0.9, 0.0, 0.01, 0.03, 0.5, false, 7});
  expect_matches_reference({3, 0.5, 0.0, 1e-3, 0.01, 0.03, 0.5, false, 7});
}

TEST(EntropySgd, ReportsGammaAndTheDriftOfTheAverage) {
  const auto backend = make_cpu_backend(1);
  BaseOptimizerSettings base;
  EntropySgd method({3, 0.02, 0.5, 0.0, 0.1, 0.75, 1}, base, *backend);
  TinyNet f;
  Vec x = start_point();
  const Vec x0 = x;
  const UpdateStats first = method.step(x, f, 0);
  const UpdateStats second = method.step(x, f, 2);
  EXPECT_DOUBLE_EQ(first.gamma, 0.02);
  EXPECT_DOUBLE_EQ(second.gamma, 0.02 * 1.5 * 1.5);
  // Without momentum or decay the outer step is x_c − lr (x_c − μ): the
  // reported drift ‖x_c − μ‖ is the step's length over lr.
  Vec y = x0;
  method.step(y, f, 0);
  EXPECT_NEAR((x0 - y).norm() / 0.01, first.drift, 1e-3 * first.drift);
  EXPECT_GT(first.drift, 0.0);
}

TEST(EntropySgd, MomentumBufferRoundTripsThroughState) {
  const auto backend = make_cpu_backend(1);
  BaseOptimizerSettings base;
  base.lr = 0.5;
  base.momentum = 0.9;
  base.nesterov = true;
  const EntropySgdSettings settings{2, 0.03, 0.1, 0.01, 0.1, 0.75, 3};
  EntropySgd whole(settings, base, *backend), first(settings, base, *backend),
      resumed(settings, base, *backend);
  TinyNet f;
  const auto step = [&f](EntropySgd& method, Vec& x, uint64_t k) {
    f.select_outer(k);
    method.step(x, f, k);
  };
  Vec a = start_point(), b = start_point();
  for (uint64_t k = 0; k < 4; ++k) step(whole, a, k);
  for (uint64_t k = 0; k < 2; ++k) step(first, b, k);
  resumed.restore_state(first.state());
  for (uint64_t k = 2; k < 4; ++k) step(resumed, b, k);
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
}

}  // namespace
}  // namespace valley
