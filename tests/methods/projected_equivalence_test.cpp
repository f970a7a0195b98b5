// The projected samplers return estimators with the same law as the full
// ones (exactness, not approximation): on a small network 12-6-3 with B = 4,
// 1500 independent runs of each from one x and one minibatch are compared
// as two samples. A deliberately wrong variant must fail the same checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "valley/backends/backend.h"
#include "valley/methods/heat.h"
#include "valley/methods/projected_heat.h"
#include "valley/model/init.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/objective/reduction.h"
#include "valley/objective/row_space.h"
#include "valley/random/philox_normal.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/projected_importance.h"
#include "valley/sampling/projected_sgld.h"
#include "valley/sampling/sgld.h"

namespace valley {
namespace {

constexpr int kRuns = 1500;
constexpr double kTau = 0.5;

struct Problem {
  std::unique_ptr<Backend> backend = make_cpu_backend(1);
  NetSpec spec = NetSpec::parse("12-6-3");
  BatchMlpObjective f{spec, *backend};
  Vec x;
};

// A minibatch of 4 images: distinct, or with a duplicate and an all-zero
// image (rank 2).
std::unique_ptr<Problem> make_problem(bool rank_deficient) {
  auto p = std::make_unique<Problem>();
  Minibatch& batch = p->f.batch();
  batch.batch_size = 4;
  batch.pixels = 12;
  batch.images.resize(48);
  fill_uniform(NoiseKey{77, Stream::test, 0, 0}, 0, batch.images);
  if (rank_deficient) {
    std::copy_n(batch.images.begin(), 12, batch.images.begin() + 12);  // image 1 = image 0
    std::fill_n(batch.images.begin() + 24, 12, 0.0f);                  // image 2 = 0
  }
  batch.labels = {0, 1, 2, 1};
  p->x = glorot_uniform(p->spec, 5);
  p->x *= 3.0f;  // a loss that varies enough for the weights to matter
  return p;
}

using Run = std::function<Vec(uint64_t seed)>;

Eigen::MatrixXd sample(const Run& run) {
  Vec first = run(0);
  Eigen::MatrixXd out(kRuns, first.size());
  out.row(0) = first.cast<double>().transpose();
  for (int s = 1; s < kRuns; ++s) out.row(s) = run(static_cast<uint64_t>(s)).cast<double>().transpose();
  return out;
}

// Two samples of vectors agree in law if (1) every coordinate's mean agrees
// within 5 standard errors, (2) along 20 fixed random directions the
// variances agree within 20% (5 standard errors of a variance ratio from
// 1500 + 1500 draws is ≈ 18%), and (3) the two-sample Kolmogorov–Smirnov
// statistic along each direction is below 2.3·√(2/n), the 5·10⁻⁵ level
// (Bonferroni over 20 directions gives family level 10⁻³).
std::string differences(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  const double n = static_cast<double>(a.rows());
  const Eigen::RowVectorXd mean_a = a.colwise().mean(), mean_b = b.colwise().mean();
  for (Eigen::Index i = 0; i < a.cols(); ++i) {
    const double var_a = (a.col(i).array() - mean_a[i]).square().sum() / (n - 1);
    const double var_b = (b.col(i).array() - mean_b[i]).square().sum() / (n - 1);
    const double se = std::sqrt((var_a + var_b) / n);
    if (std::abs(mean_a[i] - mean_b[i]) > 5 * se + 1e-7)
      return "mean of coordinate " + std::to_string(i) + " differs";
  }
  std::vector<float> directions(static_cast<size_t>(20 * a.cols()));
  fill_normal(NoiseKey{3, Stream::test, 9, 9}, 0, directions);
  for (int t = 0; t < 20; ++t) {
    const Eigen::VectorXd v =
        Eigen::Map<Eigen::VectorXf>(directions.data() + t * a.cols(), a.cols()).cast<double>();
    Eigen::VectorXd pa = a * v, pb = b * v;
    const double va = (pa.array() - pa.mean()).square().mean(), vb = (pb.array() - pb.mean()).square().mean();
    if (std::abs(va / vb - 1.0) > 0.2) return "variance along direction " + std::to_string(t) + " differs";
    std::sort(pa.data(), pa.data() + pa.size());
    std::sort(pb.data(), pb.data() + pb.size());
    double d = 0;
    Eigen::Index i = 0, j = 0;
    while (i < pa.size() && j < pb.size()) {
      if (pa[i] <= pb[j])
        ++i;
      else
        ++j;
      d = std::max(d, std::abs(static_cast<double>(i) / n - static_cast<double>(j) / n));
    }
    if (d > 2.3 * std::sqrt(2.0 / n))
      return "KS statistic along direction " + std::to_string(t) + " is " + std::to_string(d);
  }
  return "";
}

class ProjectedSampler : public ::testing::TestWithParam<bool> {};

TEST_P(ProjectedSampler, ImportanceSamplingHasTheSameLaw) {
  auto p = make_problem(GetParam());
  auto run_with = [&](auto make) {
    return sample([&](uint64_t seed) {
      auto estimator = make(ImportanceSettings{40, 1.0, seed});
      Vec mean(p->x.size());
      estimator->estimate_mean(p->x, kTau, p->f, 0, mean);
      return mean;
    });
  };
  const auto full =
      run_with([&](ImportanceSettings s) { return std::make_unique<ImportanceSampling>(s, *p->backend); });
  const auto projected =
      run_with([&](ImportanceSettings s) { return std::make_unique<ProjectedImportance>(s, *p->backend); });
  EXPECT_EQ(differences(full, projected), "");
  // Wrong: IS on θ alone, dropping the unseen noise term √(τ/ESS)(I − RᵀR)G.
  const auto wrong = sample([&](uint64_t seed) {
    const auto reduction = p->f.make_reduction();
    ImportanceSampling is({40, 1.0, seed}, *p->backend);
    Vec theta(reduction->reduced_dim()), mean_theta(reduction->reduced_dim()), seen(p->x.size()),
        mean(p->x.size());
    reduction->reduce(p->x, theta);
    is.estimate_mean(theta, kTau, reduction->reduced(), 0, mean_theta);
    reduction->expand(theta, seen);
    reduction->expand(mean_theta, mean);
    return Vec(mean + p->x - seen);
  });
  EXPECT_NE(differences(full, wrong), "");
}

TEST_P(ProjectedSampler, SgldMeanAndChainHaveTheSameLaw) {
  auto p = make_problem(GetParam());
  const SgldSettings base{40, 10.0, 0};
  auto pack = [](const Vec& mean, const Vec& chain) {
    Vec out(mean.size() + chain.size());
    out << mean, chain;
    return out;
  };
  const auto full = sample([&](uint64_t seed) {
    SgldSettings s = base;
    s.seed = seed;
    Sgld sgld(s, *p->backend);
    Vec mean(p->x.size());
    sgld.estimate_mean(p->x, kTau, p->f, 0, mean);
    return pack(mean, sgld.chain());
  });
  const auto projected = sample([&](uint64_t seed) {
    SgldSettings s = base;
    s.seed = seed;
    ProjectedSgld sgld(s, *p->backend);
    Vec mean(p->x.size());
    sgld.estimate_mean(p->x, kTau, p->f, 0, mean);
    return pack(mean, sgld.chain());
  });
  EXPECT_EQ(differences(full, projected), "");
  // Wrong: the unseen part of the chain frozen at its start (no Ornstein–
  // Uhlenbeck noise, no drift): only the reduced chain moves.
  const auto wrong = sample([&](uint64_t seed) {
    SgldSettings s = base;
    s.seed = seed;
    const auto reduction = p->f.make_reduction();
    Sgld sgld(s, *p->backend);
    Vec theta(reduction->reduced_dim()), mean_theta(reduction->reduced_dim()), seen(p->x.size()),
        mean(p->x.size()), chain(p->x.size());
    reduction->reduce(p->x, theta);
    sgld.set_chain(theta);
    sgld.estimate_mean(theta, kTau, reduction->reduced(), 0, mean_theta);
    reduction->expand(theta, seen);
    reduction->expand(mean_theta, mean);
    reduction->expand(sgld.chain(), chain);
    return pack(mean + p->x - seen, chain + p->x - seen);
  });
  EXPECT_NE(differences(full, wrong), "");
}

TEST_P(ProjectedSampler, HeatHasTheSameLaw) {
  auto p = make_problem(GetParam());
  const TauSchedule schedule{TauSchedule::Kind::constant, kTau, 0.0};
  auto run_with = [&](auto make) {
    return sample([&](uint64_t seed) {
      auto method = make(HeatSettings{5, 4, 0.5, 0.7, seed});
      Vec x = p->x;
      method->step(x, p->f, 0);
      return x;
    });
  };
  const auto full =
      run_with([&](HeatSettings s) { return std::make_unique<Heat>(s, schedule, *p->backend); });
  const auto projected =
      run_with([&](HeatSettings s) { return std::make_unique<ProjectedHeat>(s, schedule, *p->backend); });
  EXPECT_EQ(differences(full, projected), "");
  // Wrong: keeping only the seen part, x_{k+1} = Rᵀ θ^J.
  const auto wrong = sample([&](uint64_t seed) {
    const auto reduction = p->f.make_reduction();
    Heat heat({5, 4, 0.5, 0.7, seed}, schedule, *p->backend);
    Vec theta(reduction->reduced_dim()), x(p->x.size());
    reduction->reduce(p->x, theta);
    heat.step(theta, reduction->reduced(), 0);
    reduction->expand(theta, x);
    return x;
  });
  EXPECT_NE(differences(full, wrong), "");
}

INSTANTIATE_TEST_SUITE_P(Minibatches, ProjectedSampler, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "RankDeficient" : "Distinct"; });

TEST(RowSpaceReduction, RankOfADegenerateMinibatchAndAnExactRoundTrip) {
  auto p = make_problem(true);
  const auto reduction = p->f.make_reduction();
  EXPECT_EQ(dynamic_cast<RowSpaceReduction&>(*reduction).rank(), 2);
  // f(x) = g(R x), and R Rᵀ = I.
  Vec theta(reduction->reduced_dim()), back(reduction->reduced_dim()), x(p->x.size());
  reduction->reduce(p->x, theta);
  EXPECT_NEAR(reduction->reduced().loss(theta), p->f.loss(p->x), 1e-5);
  reduction->expand(theta, x);
  reduction->reduce(x, back);
  EXPECT_LT((back - theta).cwiseAbs().maxCoeff(), 1e-5);
  // The unseen part changes nothing.
  Vec unseen = Vec::Ones(p->x.size());
  reduction->project_out(unseen);
  EXPECT_NEAR(p->f.loss(p->x + unseen), p->f.loss(p->x), 1e-5);
  EXPECT_GT(unseen.norm(), 1.0);
}

TEST(OrnsteinUhlenbeckSummary, MatchesTheRecursionStepByStep) {
  // Mean and variance of u^J and A = Σ ε_j u^j by simulating the scalar
  // recursion's moments directly (first and second moments propagate
  // exactly for a linear Gaussian recursion).
  const double tau = 0.3, eps_0 = 4.0;
  const int n = 25;
  const OrnsteinUhlenbeckSummary s = summarize_unseen_chain(SgldSettings{n, eps_0, 1}, tau);
  // State (u, A) as affine in (u0, c) plus noise with covariance C.
  double pu = 1, qu = 0, pa = 0, qa = 0, vuu = 0, vua = 0, vaa = 0;
  for (int j = 1; j <= n; ++j) {
    const double eps = 1.0 / (eps_0 + j), alpha = 1 - eps / (2 * tau);
    pu = alpha * pu;
    qu = alpha * qu + (1 - alpha);
    vuu = alpha * alpha * vuu + eps;  // u ← α u + … + √ε ζ
    vua = alpha * vua;                // before A's update: Cov(u_new, A_old) = α Cov(u_old, A_old)
    // A ← A + ε u_new
    vaa = vaa + 2 * eps * vua + eps * eps * vuu;
    vua = vua + eps * vuu;
    pa += eps * pu;
    qa += eps * qu;
  }
  EXPECT_NEAR(s.p, pu, 1e-12);
  EXPECT_NEAR(1 - s.p, qu, 1e-12);
  EXPECT_NEAR(s.p_a, pa, 1e-12);
  EXPECT_NEAR(s.q_a, qa, 1e-12);
  EXPECT_NEAR(s.var_end, vuu, 1e-12);
  EXPECT_NEAR(s.cov, vua, 1e-12);
  EXPECT_NEAR(s.var_sum, vaa, 1e-12);
}

}  // namespace
}  // namespace valley
