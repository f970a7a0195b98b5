// ∇f by backpropagation against central finite differences, in double, for
// every layer of the paper's two networks and of a deeper one.
#include "valley/model/mlp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/mlp_problem.h"
#include "support/tolerances.h"

namespace valley {
namespace {

using testing::make_mlp_problem;
using testing::MlpProblem;

// Checks ∂f/∂x_i for the given coordinates.
void check_coordinates(MlpProblem& p, const std::vector<int64_t>& coords) {
  Mlp<double> mlp(p.spec);
  std::vector<double> grad(p.x.size());
  mlp.loss_and_gradient(p.x.data(), p.images.data(), p.labels.data(), p.batch_size, grad.data());
  for (int64_t i : coords) {
    double& xi = p.x[static_cast<size_t>(i)];
    const double saved = xi;
    xi = saved + tol::kGradientStep;
    const double f_up = mlp.loss(p.x.data(), p.images.data(), p.labels.data(), p.batch_size);
    xi = saved - tol::kGradientStep;
    const double f_dn = mlp.loss(p.x.data(), p.images.data(), p.labels.data(), p.batch_size);
    xi = saved;
    EXPECT_NEAR(grad[static_cast<size_t>(i)], (f_up - f_dn) / (2 * tol::kGradientStep), tol::kGradientAbs)
        << "coordinate " << i;
  }
}

// Every bias and `n_per_layer` weights of each layer spread over the matrix.
std::vector<int64_t> coordinates(const NetSpec& spec, int64_t n_per_layer) {
  std::vector<int64_t> coords;
  for (int l = 1; l <= spec.n_layers(); ++l) {
    const int64_t n_weights = static_cast<int64_t>(spec.widths[l - 1]) * spec.widths[l];
    const int64_t stride = std::max<int64_t>(1, n_weights / n_per_layer);
    for (int64_t i = 0; i < n_weights; i += stride) coords.push_back(spec.weights_offset(l) + i);
    for (int c = 0; c < spec.widths[l]; ++c) coords.push_back(spec.bias_offset(l) + c);
  }
  return coords;
}

TEST(MlpGradient, MatchesFiniteDifferencesOnSmallNet) {
  MlpProblem p = make_mlp_problem("784-10", 4, 1);
  check_coordinates(p, coordinates(p.spec, 600));
}

TEST(MlpGradient, MatchesFiniteDifferencesOnHiddenLayerNet) {
  MlpProblem p = make_mlp_problem("784-200-10", 4, 2);
  check_coordinates(p, coordinates(p.spec, 800));
}

TEST(MlpGradient, MatchesFiniteDifferencesEverywhereOnDeepNet) {
  MlpProblem p = make_mlp_problem("9-7-6-4", 5, 3);
  std::vector<int64_t> all(static_cast<size_t>(p.spec.n_params()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  check_coordinates(p, all);
}

TEST(MlpGradient, FloatAgreesWithDouble) {
  MlpProblem p = make_mlp_problem("784-200-10", 20, 4);
  Mlp<double> reference(p.spec);
  Mlp<float> fast(p.spec);
  std::vector<double> grad_d(p.x.size());
  std::vector<float> grad_f(p.x.size());
  const std::vector<float> xf(p.x.begin(), p.x.end());
  const std::vector<float> images_f(p.images.begin(), p.images.end());
  const double f_d =
      reference.loss_and_gradient(p.x.data(), p.images.data(), p.labels.data(), 20, grad_d.data());
  const double f_f = fast.loss_and_gradient(xf.data(), images_f.data(), p.labels.data(), 20, grad_f.data());
  EXPECT_NEAR(f_f, f_d, tol::kFloatVsDouble);
  for (size_t i = 0; i < p.x.size(); ++i)
    ASSERT_NEAR(grad_f[i], grad_d[i], tol::kFloatVsDouble) << "coordinate " << i;
}

TEST(Mlp, LossOfUniformOutputIsLogOfClassCount) {
  // All-zero parameters give equal outputs: f = log 10 for every label.
  const NetSpec spec = NetSpec::parse("784-200-10");
  std::vector<double> x(static_cast<size_t>(spec.n_params()), 0.0);
  std::vector<double> images(2 * 784, 0.3);
  const uint8_t labels[2] = {3, 8};
  Mlp<double> mlp(spec);
  EXPECT_NEAR(mlp.loss(x.data(), images.data(), labels, 2), std::log(10.0), 1e-12);
}

TEST(NetSpec, CountsTheParametersOfThePapersNetworks) {
  EXPECT_EQ(NetSpec::parse("784-10").n_params(), 7850);
  EXPECT_EQ(NetSpec::parse("784-200-10").n_params(), 159010);
}

}  // namespace
}  // namespace valley
