// Lanczos, Hutchinson and stochastic Lanczos quadrature on the Hessian of a
// 12-6-3 net, against the dense Hessian built column by column from exact
// Hessian-vector products and Eigen's eigensolver; the subset loss's products
// are the same for any thread count.
#include <gtest/gtest.h>

#include <cmath>

#include <Eigen/Eigenvalues>

#include "valley/backends/backend.h"
#include "valley/flatness/hutchinson.h"
#include "valley/flatness/lanczos.h"
#include "valley/flatness/spectral_density.h"
#include "valley/flatness/subset_net.h"
#include "valley/model/hessian_vector_product.h"
#include "valley/model/init.h"

namespace valley {
namespace {

struct NetProblem {
  NetSpec spec = NetSpec::parse("12-6-3");
  std::vector<double> x, images;
  std::vector<uint8_t> labels;
  int n = 40;
  NetProblem() {
    const Vec x0 = glorot_uniform(spec, 5);
    x.assign(x0.data(), x0.data() + x0.size());
    std::vector<float> im(static_cast<size_t>(n) * 12);
    fill_uniform(NoiseKey{5, Stream::test, 3, 0}, 0, im);
    images.assign(im.begin(), im.end());
    for (int b = 0; b < n; ++b) labels.push_back(static_cast<uint8_t>((b * 7 + 2) % 3));
  }
  LinearOperator hessian() {
    auto hvp = std::make_shared<HessianVectorProduct<double>>(spec);
    return [this, hvp](const Eigen::VectorXd& v, Eigen::VectorXd& hv) {
      hv.resize(v.size());
      hvp->apply(x.data(), v.data(), images.data(), labels.data(), n, hv.data());
    };
  }
  Eigen::MatrixXd dense() {
    const int64_t d = spec.n_params();
    Eigen::MatrixXd h(d, d);
    LinearOperator op = hessian();
    Eigen::VectorXd e = Eigen::VectorXd::Zero(d), col(d);
    for (int64_t i = 0; i < d; ++i) {
      e[i] = 1.0;
      op(e, col);
      h.col(i) = col;
      e[i] = 0.0;
    }
    return h;
  }
};

Eigen::VectorXd gaussian(int64_t d, uint32_t j) {
  std::vector<float> v(static_cast<size_t>(d));
  fill_normal(NoiseKey{9, Stream::test, 4, j}, 0, v);
  return Eigen::Map<Eigen::VectorXf>(v.data(), d).cast<double>();
}

TEST(Lanczos, TopAndSmallestEigenvaluesMatchTheDenseHessian) {
  NetProblem p;
  const Eigen::MatrixXd h = p.dense();
  ASSERT_NEAR((h - h.transpose()).norm(), 0.0, 1e-12 * h.norm());
  const Eigen::VectorXd exact = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(h).eigenvalues();
  const int64_t d = p.spec.n_params();  // 99
  const LanczosResult run = lanczos(p.hessian(), gaussian(d, 0), 60, true);
  ASSERT_EQ(run.steps(), 60);
  const auto top = top_eigenpairs(p.hessian(), run, 5);
  ASSERT_EQ(top.size(), 5u);
  for (int k = 0; k < 5; ++k) {
    const double want = exact[d - 1 - k];
    EXPECT_NEAR(top[static_cast<size_t>(k)].value, want, 1e-6 * std::abs(want)) << "eigenvalue " << k + 1;
    EXPECT_LT(top[static_cast<size_t>(k)].residual, 1e-5 * std::abs(exact[d - 1]));
  }
  const EigenPair smallest = smallest_eigenpair(p.hessian(), run);
  EXPECT_NEAR(smallest.value, exact[0], 1e-6 * std::abs(exact[d - 1]));
}

TEST(Hutchinson, TraceIsWithinThreeStandardErrorsOfTheDenseTrace) {
  NetProblem p;
  const double exact = p.dense().trace();
  const TraceEstimate t =
      hutchinson_trace(p.hessian(), p.spec.n_params(), 200, NoiseKey{3, Stream::test, 5, 0});
  EXPECT_GT(t.standard_error, 0.0);
  EXPECT_LT(t.standard_error, 0.2 * std::abs(exact));
  EXPECT_NEAR(t.trace, exact, 3.0 * t.standard_error);
}

TEST(StochasticLanczosQuadrature, FullRunReproducesTheQuadraticFormOfItsStart) {
  // With m = d the Gauss rule of one run is exact for its start v:
  // Σ_k w_k g(θ_k) = vᵀ g(H) v / |v|² for any g.
  NetProblem p;
  const Eigen::MatrixXd h = p.dense();
  const int64_t d = p.spec.n_params();
  const Eigen::VectorXd v = gaussian(d, 1);
  const LanczosResult run = lanczos(p.hessian(), v, static_cast<int>(d), false);
  const QuadratureNodes q = slq_nodes({run});
  double weight_sum = 0.0;
  for (double w : q.weights) weight_sum += w;
  EXPECT_NEAR(weight_sum, 1.0, 1e-10);
  const Eigen::VectorXd u = v / v.norm();
  const double tau = 0.5;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h);
  const Eigen::VectorXd lam = solver.eigenvalues();
  const Eigen::VectorXd c = solver.eigenvectors().transpose() * u;
  double want = 0.0;
  for (int64_t i = 0; i < d; ++i) want += c[i] * c[i] * std::log1p(tau * lam[i]);
  EXPECT_NEAR(laplace_log_det(q, d, tau), 0.5 * d * want, 1e-7 * std::max(1.0, std::abs(0.5 * d * want)));
}

TEST(SubsetNet, HessianVectorProductIsIdenticalForOneAndTwoThreads) {
  NetProblem p;
  const std::vector<float> images(p.images.begin(), p.images.end());
  const Vec x =
      Eigen::Map<const Eigen::VectorXd>(p.x.data(), static_cast<Eigen::Index>(p.x.size())).cast<float>();
  const Eigen::VectorXd v = gaussian(p.spec.n_params(), 2);
  Eigen::VectorXd hv1, hv2, hv_ref(p.spec.n_params());
  auto one = make_cpu_backend(1);
  auto two = make_cpu_backend(2);
  SubsetNet net1(p.spec, images.data(), p.labels.data(), p.n, *one, 7);
  SubsetNet net2(p.spec, images.data(), p.labels.data(), p.n, *two, 7);
  net1.hessian_vector_product(x, v, hv1);
  net2.hessian_vector_product(x, v, hv2);
  ASSERT_EQ(hv1.size(), hv2.size());
  for (Eigen::Index i = 0; i < hv1.size(); ++i) ASSERT_EQ(hv1[i], hv2[i]) << i;
  // And it is the whole subset's Hessian (chunks weighted by their size).
  p.hessian()(v, hv_ref);
  EXPECT_LT((hv1 - hv_ref).norm(), 1e-4 * hv_ref.norm());
  const double f1 = net1.score(x).loss;
  Eigen::VectorXd g;
  EXPECT_NEAR(net2.gradient(x, g), f1, 1e-6);
}

TEST(SubsetNet, PointsOnAPlaneMatchTheFullForwardPass) {
  // Layer 1 is affine in its parameters: first_layer(x0) + a·first_layer(u)
  // gives the pre-activations of x0 + a·u.
  NetProblem p;
  const std::vector<float> images(p.images.begin(), p.images.end());
  const Vec x =
      Eigen::Map<const Eigen::VectorXd>(p.x.data(), static_cast<Eigen::Index>(p.x.size())).cast<float>();
  const Vec u = gaussian(p.spec.n_params(), 3).cast<float>();
  auto backend = make_cpu_backend(2);
  SubsetNet net(p.spec, images.data(), p.labels.data(), p.n, *backend, 7);
  const std::vector<float> z0 = net.first_layer(x), zu = net.first_layer(u);
  for (double a : {0.0, 0.3, -1.0}) {
    const Vec point = x + static_cast<float>(a) * u;
    const SubsetNet::Score direct = net.score(point);
    const SubsetNet::Score combined = net.score_combination(point, {&z0, &zu}, {1.0, a});
    EXPECT_NEAR(combined.loss, direct.loss, 1e-5 * std::max(1.0, direct.loss)) << "a = " << a;
    EXPECT_EQ(combined.accuracy, direct.accuracy) << "a = " << a;
  }
  EXPECT_GT(std::abs(net.score(x + 1.0f * u).loss - net.score(x).loss), 1e-3);
}

}  // namespace
}  // namespace valley
