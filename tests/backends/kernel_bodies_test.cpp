// The per-thread bodies of the kernels (backends/kernels/*_bodies.h) where
// they must give the CPU's bits: the normals, the noise's addresses, and the
// coordinate-wise steps given the same inputs. Their sums (the network's
// products) are checked through the whole kernel device in
// kernel_device_test.cpp; tests/cuda checks the GPU itself where there is one.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "support/device_problem.h"
#include "support/tolerances.h"
#include "valley/backends/kernels/importance_bodies.h"
#include "valley/backends/kernels/langevin_bodies.h"
#include "valley/backends/kernels/mlp_bodies.h"
#include "valley/backends/kernels/robbins_monro_bodies.h"

namespace valley {
namespace {

using testing::DeviceProblem;

TEST(KernelBodies, NormalOfEachCoordinateIsFillNormalsBits) {
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
      for (int q = 0; q < 4; ++q)
        ASSERT_EQ(std::bit_cast<uint32_t>(z[q]), std::bit_cast<uint32_t>(expected[t + q]));
    }
  }
}

TEST(KernelBodies, SgdUpdateRoundsAsTheCpuStep) {
  DeviceProblem p("784-30-10");
  Vec grad(p.x.size());
  fill_normal(NoiseKey{5, Stream::test, 0, 0}, 0, {grad.data(), static_cast<std::size_t>(grad.size())});
  const float lr = 0.0123f;
  Vec expected = p.x;
  expected -= lr * grad;  // BaseOptimizer's plain step
  Vec x = p.x;
  for (Eigen::Index i = 0; i < x.size(); ++i) kernels::sgd_update_at(x.data(), grad.data(), lr, i);
  for (Eigen::Index i = 0; i < x.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(x[i]), std::bit_cast<uint32_t>(expected[i])) << i;
}

TEST(KernelBodies, NoiseLayoutsAddressTheCpusDraws) {
  const NoiseKey key{17, Stream::heat, 5, 3};
  const int64_t d = 1001;
  std::vector<float> draws(static_cast<std::size_t>(4 * d));
  fill_normal(key, 0, draws);  // heat's M = 4 draws of iteration j = 3, one after another
  const kernels::NoiseLayout heat{key, 0, static_cast<uint64_t>(d), 0};
  const kernels::NoiseLayout from_two = heat.from_sample(2);
  for (int64_t m = 0; m < 4; ++m)
    for (const int64_t i : {int64_t{0}, int64_t{1}, int64_t{517}, d - 1}) {
      const float expected = draws[static_cast<std::size_t>(m * d + i)];
      ASSERT_EQ(std::bit_cast<uint32_t>(kernels::noise_at(heat, m, static_cast<uint64_t>(i))),
                std::bit_cast<uint32_t>(expected));
      if (m >= 2) {
        ASSERT_EQ(std::bit_cast<uint32_t>(kernels::noise_at(from_two, m - 2, static_cast<uint64_t>(i))),
                  std::bit_cast<uint32_t>(expected));
      }
    }
  // IS: sample j is the key (seed, importance, k, j) from offset 0.
  const kernels::NoiseLayout is{NoiseKey{17, Stream::importance, 5, 0}, 1, 0, 0};
  std::vector<float> sample(8);
  fill_normal(NoiseKey{17, Stream::importance, 5, 6}, 0, sample);
  for (std::size_t i = 0; i < sample.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(kernels::noise_at(is, 6, i)), std::bit_cast<uint32_t>(sample[i]));
    ASSERT_EQ(std::bit_cast<uint32_t>(kernels::noise_at(is.from_sample(4), 2, i)),
              std::bit_cast<uint32_t>(sample[i]));
  }
}

// One step of Alg. 3 as sampling/sgld.cpp writes it, for both priors:
//   y += −(ε/2)(g + (y − x) c) + s z;  sums += ε y;  squares += ε (y − x)(y − x)
TEST(KernelBodies, LangevinStepRoundsAsTheCpuStep) {
  const Eigen::Index d = 2003;
  const auto normals = [d](uint32_t j) {
    Vec v(d);
    fill_normal(NoiseKey{5, Stream::test, 0, j}, 0, {v.data(), static_cast<std::size_t>(d)});
    return v;
  };
  const Vec x = normals(1), g = normals(2), y0 = x + 0.01f * normals(3), sums0 = normals(4),
            squares0 = normals(5);
  const Vec inv_s = normals(6).cwiseAbs() + Vec::Constant(d, 1.0f);
  const NoiseKey key{9, Stream::sgld, 4, 17};
  const uint64_t offset = 3 * static_cast<uint64_t>(d);  // chain c = 3
  Vec z(d);
  fill_normal(key, offset, {z.data(), static_cast<std::size_t>(d)});
  const float inv_tau = 1.0f / 0.03f, half_eps = 0.5f / 1017.0f, noise_scale = std::sqrt(1.0f / 1017.0f),
              eps = 1.0f / 1017.0f;
  for (const bool diagonal : {false, true}) {
    Vec y = y0, sums = sums0, squares = squares0;
    kernels::LangevinStep step;
    step.y = y.data();
    step.sums = sums.data();
    step.squares = diagonal ? squares.data() : nullptr;
    step.centre = x.data();
    step.grad = g.data();
    step.inv_s = diagonal ? inv_s.data() : nullptr;
    step.inv_tau = inv_tau;
    step.half_eps = half_eps;
    step.noise_scale = noise_scale;
    step.eps = eps;
    step.key = key;
    step.offset = offset;
    for (Eigen::Index i = 0; i < d; ++i) kernels::langevin_step_at(step, i);
    for (Eigen::Index i = 0; i < d; ++i) {
      float yi = y0[i], mu = sums0[i], sq = squares0[i];
      const float coupling = diagonal ? inv_s[i] : inv_tau;
      yi += -half_eps * (g[i] + (yi - x[i]) * coupling) + noise_scale * z[i];
      mu += eps * yi;
      const float r = yi - x[i];
      sq += eps * r * r;
      ASSERT_EQ(std::bit_cast<uint32_t>(y[i]), std::bit_cast<uint32_t>(yi)) << i;
      ASSERT_EQ(std::bit_cast<uint32_t>(sums[i]), std::bit_cast<uint32_t>(mu)) << i;
      ASSERT_EQ(std::bit_cast<uint32_t>(squares[i]), std::bit_cast<uint32_t>(diagonal ? sq : squares0[i]))
          << i;
    }
  }
}

// eq. 17 as methods/heat.cpp writes it: x_j −= a_j ((x_j − x_k) + (τ/M) Σ_m ∇f)
TEST(KernelBodies, RobbinsMonroUpdateRoundsAsTheCpuStep) {
  DeviceProblem p("784-30-10");
  Vec grad_sum(p.x.size()), x_j(p.x.size());
  fill_normal(NoiseKey{5, Stream::test, 0, 0}, 0,
              {grad_sum.data(), static_cast<std::size_t>(grad_sum.size())});
  fill_normal(NoiseKey{5, Stream::test, 0, 1}, 0, {x_j.data(), static_cast<std::size_t>(x_j.size())});
  x_j = p.x + 0.01f * x_j;
  const float a_j = static_cast<float>(0.1 * std::pow(3.0, -0.7)), tau_over_m = static_cast<float>(0.03 / 30);
  Vec expected = x_j;
  expected -= a_j * (expected - p.x + tau_over_m * grad_sum);
  for (Eigen::Index i = 0; i < x_j.size(); ++i)
    kernels::robbins_monro_update_at(x_j.data(), p.x.data(), grad_sum.data(), a_j, tau_over_m, i);
  for (Eigen::Index i = 0; i < x_j.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(x_j[i]), std::bit_cast<uint32_t>(expected[i])) << i;
}

}  // namespace
}  // namespace valley
