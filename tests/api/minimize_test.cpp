// minimize(): any method on a user's objective, with callbacks and the CLI's
// checks.
#include "valley/api/minimize.h"

#include <gtest/gtest.h>

#include "valley/api/function_objective.h"
#include "valley/core/error.h"

namespace valley {
namespace {

// f(x) = ½ Σ a_i x_i², a = (1, 2, 4).
FunctionObjective quadratic() {
  const auto f = [](std::span<const float> x, std::span<float> g) {
    double sum = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double a = 1 << i;
      if (!g.empty()) g[i] = static_cast<float>(a * x[i]);
      sum += 0.5 * a * x[i] * x[i];
    }
    return sum;
  };
  return FunctionObjective(
      3, [f](std::span<const float> x) { return f(x, {}); }, f, "quadratic");
}

const Vec kStart = Vec::Constant(3, 1.0f);

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Minimize, GradientDescentOnAQuadraticIsTheClosedForm) {
  FunctionObjective f = quadratic();
  MethodConfig sgd;
  sgd.sgd.lr = 0.1;
  MinimizeOptions options;
  options.n_updates = 10;
  const MinimizeResult result = minimize(f, kStart, sgd, options);
  ASSERT_EQ(result.history.size(), 10u);
  for (int i = 0; i < 3; ++i)  // x_K = (1 − lr a_i)^K x_0
    EXPECT_NEAR(result.x[i], std::pow(1.0 - 0.1 * (1 << i), 10), 1e-6);
  EXPECT_EQ(result.history.back().counts.n_gradient, 1);
  EXPECT_NEAR(result.history.back().loss, f.loss(result.x), 1e-12);
  EXPECT_FALSE(result.stopped_early);
}

TEST(Minimize, CallbacksSeeEveryUpdateAndCanStopEarly) {
  FunctionObjective f = quadratic();
  MethodConfig sgld;
  sgld.name = "sgld";
  sgld.n_samples = 20;
  sgld.regularization.tau = 0.5;
  MinimizeOptions options;
  options.n_updates = 50;
  int64_t progress_calls = 0;
  MinimizeCallbacks callbacks;
  callbacks.progress = [&](int64_t done, int64_t total) {
    EXPECT_EQ(done, ++progress_calls);
    EXPECT_EQ(total, 50);
  };
  callbacks.on_update = [](const UpdateReport& report, ConstVecRef x) {
    EXPECT_EQ(x.size(), 3);
    EXPECT_DOUBLE_EQ(report.tau, 0.5);
    EXPECT_EQ(report.counts.n_gradient, 20);
    return report.k == 4 ? Next::stop : Next::proceed;
  };
  const MinimizeResult result = minimize(f, kStart, sgld, options, callbacks);
  EXPECT_TRUE(result.stopped_early);
  EXPECT_EQ(result.history.size(), 5u);
  EXPECT_EQ(progress_calls, 5);
}

TEST(Minimize, TheSameSeedGivesTheSameNumbersForAnyThreadCount) {
  MethodConfig sgld;
  sgld.name = "sgld";
  sgld.n_samples = 30;
  sgld.regularization.tau = 0.3;
  MinimizeOptions options;
  options.n_updates = 5;
  FunctionObjective f1 = quadratic(), f2 = quadratic();
  const Vec one = minimize(f1, kStart, sgld, options).x;
  options.n_threads = 2;
  const Vec two = minimize(f2, kStart, sgld, options).x;
  EXPECT_EQ(one, two);
  sgld.seed = 2;
  FunctionObjective f3 = quadratic();
  EXPECT_NE(minimize(f3, kStart, sgld, options).x, one);
}

TEST(Minimize, ChecksItsArgumentsWithTheCliMessages) {
  FunctionObjective f = quadratic();
  MethodConfig method;
  EXPECT_EQ(error_of([&] { minimize(f, Vec::Zero(2), method); }),
            "x0 has 2 numbers, but the objective has dimension 3");
  EXPECT_EQ(error_of([&] { minimize(f, Vec::Constant(3, NAN), method); }),
            "x0 holds nan at coordinate 0, not a finite number");
  method.regularization.tau = -1;
  EXPECT_EQ(error_of([&] { minimize(f, kStart, method); }), "--tau must be a finite number > 0 (got -1)");
  method = {};
  method.name = "sgld";
  method.sampler = "projected";
  EXPECT_NE(error_of([&] { minimize(f, kStart, method); }).find("--sampler projected needs"),
            std::string::npos);
  MinimizeOptions options;
  options.n_threads = 0;
  EXPECT_EQ(error_of([&] { minimize(f, kStart, MethodConfig{}, options); }),
            "--threads must be between 1 and 256 (got 0)");
  EXPECT_EQ(f.counts().n_loss + f.counts().n_gradient, 0);  // nothing ran
}

TEST(Minimize, ADivergingRunStopsWithAnErrorNamingTheUpdateAndTheQuantity) {
  FunctionObjective f = quadratic();
  MethodConfig sgd;
  sgd.sgd.lr = 10;  // |1 − 10·4| = 39 > 1: diverges
  MinimizeOptions options;
  options.n_updates = 100;
  const std::string message = error_of([&] { minimize(f, kStart, sgd, options); });
  // x_k = (1 − 40)^k at coordinate 2 overflows float near k = 24, and the
  // gradient 4x is the first to be infinite.
  EXPECT_EQ(message.rfind("update ", 0), 0u) << message;
  EXPECT_NE(message.find(": method sgd: quadratic: ∇f(x) holds inf at coordinate 2"), std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace valley
