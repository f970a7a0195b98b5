// The network's fast perturbed evaluations equal the plain ones: f(x + σξ)
// by forming x + σξ, and Σ_m ∇f(x + σξ_m) by summing full gradients.
#include "valley/objective/batch_mlp_objective.h"

#include <gtest/gtest.h>

#include "valley/model/init.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

struct Fixture {
  std::unique_ptr<Backend> backend;
  BatchMlpObjective f;
  Vec x;
  Fixture(const std::string& net, int threads)
      : backend(make_cpu_backend(threads)), f(NetSpec::parse(net), *backend) {
    Minibatch& batch = f.batch();
    batch.batch_size = 20;
    batch.pixels = f.spec().n_inputs();
    batch.images.resize(static_cast<size_t>(20 * batch.pixels));
    fill_uniform(NoiseKey{1, Stream::test, 0, 0}, 0, batch.images);
    for (int b = 0; b < 20; ++b) batch.labels.push_back(static_cast<uint8_t>(b % 10));
    x = glorot_uniform(f.spec(), 2);
  }
  Vec draw(int64_t m) const {
    Vec xi(x.size());
    fill_normal(NoiseKey{3, Stream::test, 1, static_cast<uint32_t>(m)}, 0,
                {xi.data(), static_cast<size_t>(xi.size())});
    return xi;
  }
};

TEST(BatchMlpObjective, PerturbedLossEqualsLossAtThePerturbedPoint) {
  for (const char* net : {"784-10", "784-200-10", "784-30-20-10"}) {
    Fixture p(net, 1);
    const float sigma = 0.1f;
    p.f.set_centre(p.x, sigma);
    for (int64_t m = 0; m < 3; ++m) {
      const Vec xi = p.draw(m);
      // float: the two sum X(W + σξ) in different orders; 1e-5 of f ≈ 2.3.
      EXPECT_NEAR(p.f.perturbed_loss(xi, 0), p.f.loss(p.x + sigma * xi), 1e-5) << net;
    }
  }
}

TEST(BatchMlpObjective, PerturbedGradientSumEqualsTheSumOfGradients) {
  for (const char* net : {"784-10", "784-200-10", "784-30-20-10"}) {
    for (int threads : {1, 2}) {
      Fixture p(net, threads);
      const float sigma = 0.1f;
      constexpr int64_t n_draws = 5;
      p.f.set_centre(p.x, sigma);
      Vec fast(p.x.size());
      p.f.perturbed_gradient_sum(
          n_draws,
          [&](int64_t m, std::span<float> xi) {
            const Vec d = p.draw(m);
            std::copy(d.data(), d.data() + d.size(), xi.begin());
          },
          fast);
      Vec slow = Vec::Zero(p.x.size()), grad(p.x.size());
      for (int64_t m = 0; m < n_draws; ++m) {
        p.f.gradient(p.x + sigma * p.draw(m), grad);
        slow += grad;
      }
      // Gradient entries are O(0.1); float sums of 5 × 20 terms: 1e-5.
      EXPECT_LT((fast - slow).cwiseAbs().maxCoeff(), 1e-5) << net << ", " << threads << " threads";
    }
  }
}

TEST(BatchMlpObjective, GradientSplitOverUnitsEqualsThePlainGradientForAnyThreadCount) {
  // The objective splits layer 1 by its units (columns of W_1) over threads;
  // the plain backpropagation of Mlp does it in one piece.
  for (const char* net : {"784-10", "784-200-10", "784-30-20-10", "784-33-10"}) {
    Vec first;
    double first_f = 0.0;
    for (int threads : {1, 2, 3}) {
      Fixture p(net, threads);
      Vec grad(p.x.size()), plain(p.x.size());
      const double f = p.f.gradient(p.x, grad);
      Mlp<float> mlp(p.f.spec());
      const Minibatch& b = p.f.batch();
      const double plain_f =
          mlp.loss_and_gradient(p.x.data(), b.images.data(), b.labels.data(), b.batch_size, plain.data());
      EXPECT_NEAR(f, plain_f, 1e-6) << net;
      // Entries O(0.1), sums of 20 products: float rounding only.
      EXPECT_LT((grad - plain).cwiseAbs().maxCoeff(), 1e-6) << net << ", " << threads << " threads";
      if (threads == 1) {
        first = grad;
        first_f = f;
      } else {
        EXPECT_EQ(f, first_f) << net << ", " << threads << " threads";
        EXPECT_TRUE(grad == first) << net << ": the gradient depends on the thread count";
      }
    }
  }
}

TEST(BatchMlpObjective, SplittingLayerOneOverThreadsOrNotGivesTheSameBits) {
  // Whether the pieces of layer 1 run on two threads or in turn on one is
  // chosen by timing; the gradient must not depend on the choice.
  Fixture p("784-200-10", 2);
  Vec in_turn(p.x.size()), split(p.x.size()), measured(p.x.size());
  p.f.set_split_policy(SplitChoice::Policy::never);
  const double f_in_turn = p.f.gradient(p.x, in_turn);
  p.f.set_split_policy(SplitChoice::Policy::always);
  const double f_split = p.f.gradient(p.x, split);
  EXPECT_EQ(f_split, f_in_turn);
  EXPECT_TRUE(split == in_turn);
  p.f.set_split_policy(SplitChoice::Policy::measure);
  for (int call = 0; call < 2 * SplitChoice::kTrials + 1; ++call) {
    EXPECT_EQ(p.f.gradient(p.x, measured), f_in_turn) << "call " << call;
    EXPECT_TRUE(measured == in_turn) << "call " << call;
  }
}

TEST(SplitChoice, KeepsTheWayWithTheSmallerMedianTime) {
  for (const bool split_faster : {true, false}) {
    SplitChoice choice;
    for (int call = 0; call < 2 * SplitChoice::kTrials; ++call) {
      EXPECT_FALSE(choice.decided());
      const bool split = choice.split();
      EXPECT_EQ(split, call % 2 == 0) << "the two ways alternate while timing";
      // One outlier per way does not move a median.
      const double slow = call < 2 ? 1.0 : 2e-4, fast = 1e-4;
      choice.record(split == split_faster ? (call < 2 ? slow : fast) : 2e-4);
    }
    EXPECT_TRUE(choice.decided());
    EXPECT_EQ(choice.split(), split_faster);
  }
  SplitChoice fixed;
  fixed.set_policy(SplitChoice::Policy::never);
  EXPECT_TRUE(fixed.decided());
  EXPECT_FALSE(fixed.split());
}

}  // namespace
}  // namespace valley
