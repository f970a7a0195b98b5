// The CUDA kernels' per-thread bodies (backends/cuda/mlp_bodies.h,
// importance_bodies.h), run here on the CPU over their whole grids in the
// order backends/cuda/cuda_device.cpp launches them, against the reference
// network and estimator. This checks the kernels' index arithmetic and
// formulas on every machine; tests/cuda checks the device itself where
// there is one.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "support/device_problem.h"
#include "support/tolerances.h"
#include "valley/backends/cuda/importance_bodies.h"
#include "valley/backends/cuda/mlp_bodies.h"
#include "valley/model/mlp.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/logsumexp.h"

namespace valley {
namespace {

using testing::DeviceProblem;
using testing::relative_difference;

// f(x) and ∇f(x) by the bodies of mlp_kernels.cu (CudaDevice::forward_backward).
double gradient_by_bodies(const NetSpec& spec, const Minibatch& batch, const Vec& x, Vec& grad) {
  const int n_layers = spec.n_layers(), b = batch.batch_size;
  std::vector<std::vector<float>> z(n_layers + 1), h(n_layers + 1), dz(n_layers + 1);
  for (int l = 1; l <= n_layers; ++l) {
    z[l].resize(static_cast<std::size_t>(b) * spec.widths[l]);
    h[l].resize(z[l].size());
    dz[l].resize(z[l].size());
  }
  for (int l = 1; l <= n_layers; ++l) {
    const cuda::DenseShape shape{b, spec.widths[l - 1], spec.widths[l], 0, 0, 0};
    const float* in = l == 1 ? batch.images.data() : h[l - 1].data();
    for (int r = 0; r < b; ++r)
      for (int c = 0; c < shape.n_out; ++c)
        cuda::dense_forward_at(shape, in, x.data() + spec.weights_offset(l), x.data() + spec.bias_offset(l),
                               z[l].data(), l < n_layers ? h[l].data() : nullptr, 0, r, c);
  }
  std::vector<double> row_loss(static_cast<std::size_t>(b));
  for (int r = 0; r < b; ++r)
    cuda::softmax_cross_entropy_at(spec.n_outputs(), b, z[n_layers].data(), 0, batch.labels.data(),
                                   row_loss.data(), dz[n_layers].data(), 0, r);
  grad.setZero(spec.n_params());
  for (int l = n_layers; l >= 1; --l) {
    const cuda::DenseShape shape{b, spec.widths[l - 1], spec.widths[l], 0, 0, 0};
    const float* in = l == 1 ? batch.images.data() : h[l - 1].data();
    for (int i = 0; i < shape.n_in; ++i)
      for (int c = 0; c < shape.n_out; ++c)
        cuda::weight_gradient_at(shape, in, dz[l].data(), grad.data() + spec.weights_offset(l), i, c);
    for (int c = 0; c < shape.n_out; ++c)
      cuda::bias_gradient_at(shape, dz[l].data(), grad.data() + spec.bias_offset(l), c);
    if (l >= 2)
      for (int r = 0; r < b; ++r)
        for (int i = 0; i < shape.n_in; ++i)
          cuda::input_gradient_at(shape, dz[l].data(), x.data() + spec.weights_offset(l), z[l - 1].data(),
                                  dz[l - 1].data(), r, i);
  }
  double total = 0.0;
  for (const double row : row_loss) total += row;
  return total / b;
}

// Σ_j w^j ξ_j (weights in units of the largest) and the log-sum-exp of the
// weights by the bodies of importance_kernels.cu (CudaDevice::importance_sums),
// in chunks of `chunk` samples.
LogSumExp importance_by_bodies(const NetSpec& spec, const Minibatch& batch, const Vec& x, float sigma, double beta,
                               uint64_t seed, uint32_t k, int64_t n_samples, int64_t chunk, int n_parts,
                               Vec& noise_sum) {
  const int n_layers = spec.n_layers(), b = batch.batch_size;
  const int64_t d = spec.n_params();
  const int64_t rest = n_layers >= 2 ? spec.weights_offset(2) : d;
  const int64_t n_rest = d - rest;
  std::vector<float> centre_z1(static_cast<std::size_t>(b) * spec.widths[1]);
  const cuda::DenseShape first_shape{b, spec.widths[0], spec.widths[1], 0, 0, 0};
  for (int r = 0; r < b; ++r)
    for (int c = 0; c < spec.widths[1]; ++c)
      cuda::dense_forward_at(first_shape, batch.images.data(), x.data(), x.data() + spec.bias_offset(1),
                             centre_z1.data(), nullptr, 0, r, c);
  std::vector<std::vector<float>> z(n_layers + 1), h(n_layers + 1);
  for (int l = 1; l <= n_layers; ++l) {
    z[l].resize(static_cast<std::size_t>(chunk * b * spec.widths[l]));
    h[l].resize(z[l].size());
  }
  std::vector<float> rest_params(static_cast<std::size_t>(std::max<int64_t>(1, chunk * n_rest)));
  std::vector<double> row_loss(static_cast<std::size_t>(chunk * b)), losses(static_cast<std::size_t>(n_samples));
  for (int64_t j0 = 0; j0 < n_samples; j0 += chunk) {
    const int64_t s_count = std::min(chunk, n_samples - j0);
    const NoiseKey first{seed, Stream::importance, k, static_cast<uint32_t>(j0)};
    cuda::PerturbedFirstLayer p;
    p.images = batch.images.data();
    p.centre_z1 = centre_z1.data();
    p.batch_size = b;
    p.n_in = spec.widths[0];
    p.n_out = spec.widths[1];
    p.bias_offset = spec.bias_offset(1);
    p.sigma = sigma;
    p.first = first;
    p.z = z[1].data();
    p.h = n_layers >= 2 ? h[1].data() : nullptr;
    for (int64_t s = 0; s < s_count; ++s)
      for (int c = 0; c < p.n_out; ++c) cuda::perturbed_first_layer_at(p, s, c);
    for (int64_t s = 0; s < s_count; ++s)
      for (int64_t t = 0; t < n_rest; ++t)
        cuda::perturbed_rest_at(x.data(), rest, n_rest, sigma, first, rest_params.data(), s, t);
    for (int l = 2; l <= n_layers; ++l) {
      const cuda::DenseShape shape{b, spec.widths[l - 1], spec.widths[l], static_cast<int64_t>(b) * spec.widths[l - 1],
                                   n_rest, static_cast<int64_t>(b) * spec.widths[l]};
      for (int64_t s = 0; s < s_count; ++s)
        for (int r = 0; r < b; ++r)
          for (int c = 0; c < shape.n_out; ++c)
            cuda::dense_forward_at(shape, h[l - 1].data(), rest_params.data() + (spec.weights_offset(l) - rest),
                                   rest_params.data() + (spec.bias_offset(l) - rest), z[l].data(),
                                   l < n_layers ? h[l].data() : nullptr, s, r, c);
    }
    for (int64_t s = 0; s < s_count; ++s)
      for (int r = 0; r < b; ++r)
        cuda::softmax_cross_entropy_at(spec.n_outputs(), b, z[n_layers].data(), static_cast<int64_t>(b) * spec.n_outputs(),
                                       batch.labels.data(), row_loss.data(), nullptr, s, r);
    for (int64_t s = 0; s < s_count; ++s) cuda::sample_loss_at(row_loss.data(), b, losses.data() + j0, s);
  }
  LogSumExp total;
  for (const double loss : losses) total.add(-beta * loss);
  std::vector<float> weights(losses.size());
  for (std::size_t j = 0; j < losses.size(); ++j)
    weights[j] = static_cast<float>(std::exp(-beta * losses[j] - total.max()));
  std::vector<float> parts(static_cast<std::size_t>(n_parts * d));
  for (int g = 0; g < n_parts; ++g)
    for (int64_t block = 0; 4 * block < d; ++block)
      cuda::weighted_noise_at(seed, k, weights.data(), n_samples * g / n_parts, n_samples * (g + 1) / n_parts, d,
                              parts.data() + g * d, block);
  noise_sum.resize(d);
  for (int64_t i = 0; i < d; ++i) cuda::sum_parts_at(parts.data(), n_parts, d, noise_sum.data(), i);
  return total;
}

TEST(CudaKernelBodies, NormalOfEachCoordinateIsFillNormalsBits) {
  const NoiseKey key{0xFEDCBA9876543210ull, Stream::importance, 7, 123};
  for (const uint64_t offset : {uint64_t{0}, uint64_t{5}, (uint64_t{1} << 34) - 3}) {
    std::vector<float> expected(1001);
    fill_normal(key, offset, expected);
    for (std::size_t t = 0; t < expected.size(); ++t)
      ASSERT_EQ(std::bit_cast<uint32_t>(normal_of(key, offset + t)), std::bit_cast<uint32_t>(expected[t]))
          << "offset " << offset << " + " << t;
    for (std::size_t t = 0; t + 4 <= expected.size(); t += 4) {
      if ((offset + t) % 4 != 0) continue;
      float z[4];
      normals_of_block(key, (offset + t) / 4, z);
      for (int q = 0; q < 4; ++q) ASSERT_EQ(std::bit_cast<uint32_t>(z[q]), std::bit_cast<uint32_t>(expected[t + q]));
    }
  }
}

TEST(CudaKernelBodies, GradientMatchesTheReferenceNetwork) {
  for (const char* net : {"784-10", "784-200-10", "784-30-20-10"}) {
    DeviceProblem p(net);
    Mlp<float> mlp(p.f.spec());
    Vec expected(p.x.size()), grad;
    const Minibatch& batch = p.f.batch();
    const double f = mlp.loss_and_gradient(p.x.data(), batch.images.data(), batch.labels.data(), batch.batch_size,
                                           expected.data());
    EXPECT_NEAR(gradient_by_bodies(p.f.spec(), batch, p.x, grad), f, tol::kDeviceVsCpu * f) << net;
    EXPECT_LE(relative_difference(grad, expected), tol::kDeviceVsCpu) << net;
  }
}

TEST(CudaKernelBodies, SgdUpdateRoundsAsTheCpuStep) {
  DeviceProblem p("784-30-10");
  Vec grad(p.x.size());
  fill_normal(NoiseKey{5, Stream::test, 0, 0}, 0, {grad.data(), static_cast<std::size_t>(grad.size())});
  const float lr = 0.0123f;
  Vec expected = p.x;
  expected -= lr * grad;  // BaseOptimizer's plain step
  Vec x = p.x;
  for (Eigen::Index i = 0; i < x.size(); ++i) cuda::sgd_update_at(x.data(), grad.data(), lr, i);
  for (Eigen::Index i = 0; i < x.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(x[i]), std::bit_cast<uint32_t>(expected[i])) << i;
}

TEST(CudaKernelBodies, ImportanceSumsGiveTheCpuEstimatorsMean) {
  for (const char* net : {"784-10", "784-30-10", "784-12-8-10"}) {
    DeviceProblem p(net);
    const double tau = 0.01, beta = 1.0;
    const uint64_t seed = 9;
    const uint32_t k = 3;
    const int64_t n_samples = 37;
    const auto sigma = static_cast<float>(std::sqrt(tau));
    ImportanceSampling cpu({n_samples, beta, seed}, *p.backend);
    Vec expected(p.x.size());
    const MeanEstimate estimate = cpu.estimate_mean(p.x, tau, p.f, k, expected);
    Vec noise_sum;
    // Chunks of 7 samples and 3 parts: the key of sample j and the split of
    // the weighted sum must not depend on either.
    const LogSumExp total =
        importance_by_bodies(p.f.spec(), p.f.batch(), p.x, sigma, beta, seed, k, n_samples, 7, 3, noise_sum);
    const Vec mean = p.x + (sigma / static_cast<float>(total.scaled_sum())) * noise_sum;
    EXPECT_LE(relative_difference(mean - p.x, expected - p.x), tol::kDeviceVsCpu) << net;
    EXPECT_NEAR(total.effective_sample_size(), estimate.ess, tol::kDeviceVsCpu * estimate.ess) << net;
  }
}

}  // namespace
}  // namespace valley
