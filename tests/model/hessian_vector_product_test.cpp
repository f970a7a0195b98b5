// The R-operator Hessian-vector product against central differences of the
// backpropagated gradient, in double, on every layer of a three-layer net;
// its symmetry; float against double.
#include "valley/model/hessian_vector_product.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/mlp_problem.h"
#include "valley/model/mlp.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

// ∇f differences with h = 1e-5 in double: truncation h²·|∇⁴f| ≈ 1e-10,
// rounding 1e-16/h ≈ 1e-11; 1e-7 leaves room for curvature near kinks.
constexpr double kStep = 1e-5;
constexpr double kHvpAbs = 1e-7;

using testing::make_mlp_problem;
using testing::MlpProblem;

std::vector<double> direction(int64_t d, uint32_t j) {
  std::vector<float> v(static_cast<size_t>(d));
  fill_normal(NoiseKey{7, Stream::test, 2, j}, 0, v);
  return {v.begin(), v.end()};
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(HessianVectorProduct, MatchesCentralDifferencesOfTheGradientOnEveryLayer) {
  MlpProblem p = make_mlp_problem("12-7-6-3", 9, 1);
  const int64_t d = p.spec.n_params();
  Mlp<double> mlp(p.spec);
  HessianVectorProduct<double> hvp(p.spec);
  for (uint32_t j = 0; j < 3; ++j) {
    const std::vector<double> v = direction(d, j);
    std::vector<double> hv(static_cast<size_t>(d)), grad(static_cast<size_t>(d));
    const double f = hvp.apply(p.x.data(), v.data(), p.images.data(), p.labels.data(), p.batch_size,
                               hv.data(), grad.data());
    // The gradient and loss it returns are backpropagation's.
    std::vector<double> grad_ref(static_cast<size_t>(d));
    EXPECT_NEAR(
        f, mlp.loss_and_gradient(p.x.data(), p.images.data(), p.labels.data(), p.batch_size, grad_ref.data()),
        1e-12);
    std::vector<double> up(p.x), dn(p.x), g_up(static_cast<size_t>(d)), g_dn(static_cast<size_t>(d));
    for (int64_t i = 0; i < d; ++i) {
      EXPECT_NEAR(grad[static_cast<size_t>(i)], grad_ref[static_cast<size_t>(i)], 1e-12);
      up[static_cast<size_t>(i)] += kStep * v[static_cast<size_t>(i)];
      dn[static_cast<size_t>(i)] -= kStep * v[static_cast<size_t>(i)];
    }
    mlp.loss_and_gradient(up.data(), p.images.data(), p.labels.data(), p.batch_size, g_up.data());
    mlp.loss_and_gradient(dn.data(), p.images.data(), p.labels.data(), p.batch_size, g_dn.data());
    int n_nonzero_layers = 0;
    for (int l = 1; l <= p.spec.n_layers(); ++l) {
      double layer_norm = 0.0;
      for (int64_t i = p.spec.weights_offset(l); i < p.spec.bias_offset(l) + p.spec.widths[l]; ++i) {
        const double fd = (g_up[static_cast<size_t>(i)] - g_dn[static_cast<size_t>(i)]) / (2 * kStep);
        ASSERT_NEAR(hv[static_cast<size_t>(i)], fd, kHvpAbs) << "layer " << l << " coordinate " << i;
        layer_norm += fd * fd;
      }
      if (layer_norm > 1e-6) ++n_nonzero_layers;
    }
    EXPECT_EQ(n_nonzero_layers, p.spec.n_layers()) << "every layer's block of Hv must be exercised";
  }
}

TEST(HessianVectorProduct, IsSymmetric) {
  MlpProblem p = make_mlp_problem("12-6-3", 11, 2);
  const int64_t d = p.spec.n_params();
  HessianVectorProduct<double> hvp(p.spec);
  const std::vector<double> u = direction(d, 10), v = direction(d, 11);
  std::vector<double> hu(static_cast<size_t>(d)), hv(static_cast<size_t>(d));
  hvp.apply(p.x.data(), u.data(), p.images.data(), p.labels.data(), p.batch_size, hu.data());
  hvp.apply(p.x.data(), v.data(), p.images.data(), p.labels.data(), p.batch_size, hv.data());
  const double uhv = dot(u, hv), vhu = dot(v, hu);
  EXPECT_GT(std::abs(uhv), 1e-3);
  EXPECT_NEAR(uhv, vhu, 1e-12 * std::max(1.0, std::abs(uhv)));
}

TEST(HessianVectorProduct, FloatAgreesWithDouble) {
  MlpProblem p = make_mlp_problem("784-200-10", 20, 3);
  const int64_t d = p.spec.n_params();
  const std::vector<double> v = direction(d, 20);
  std::vector<double> hv_d(static_cast<size_t>(d));
  HessianVectorProduct<double> ref(p.spec);
  ref.apply(p.x.data(), v.data(), p.images.data(), p.labels.data(), p.batch_size, hv_d.data());
  const std::vector<float> xf(p.x.begin(), p.x.end()), vf(v.begin(), v.end()),
      imf(p.images.begin(), p.images.end());
  std::vector<float> hv_f(static_cast<size_t>(d));
  HessianVectorProduct<float> fast(p.spec);
  fast.apply(xf.data(), vf.data(), imf.data(), p.labels.data(), p.batch_size, hv_f.data());
  double scale = 0.0;
  for (double h : hv_d) scale = std::max(scale, std::abs(h));
  for (int64_t i = 0; i < d; ++i)
    ASSERT_NEAR(hv_f[static_cast<size_t>(i)], hv_d[static_cast<size_t>(i)], 1e-4 * scale)
        << "coordinate " << i;
}

}  // namespace
}  // namespace valley
