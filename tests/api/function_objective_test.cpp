// FunctionObjective: a user's callbacks as an Objective, every value checked.
#include "valley/api/function_objective.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "valley/core/error.h"

namespace valley {
namespace {

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

double half_square(std::span<const float> x) {
  double sum = 0.0;
  for (float v : x) sum += 0.5 * v * v;
  return sum;
}

TEST(FunctionObjective, PassesValuesAndGradientsThrough) {
  FunctionObjective f(3, half_square, [](std::span<const float> x, std::span<float> g) {
    for (std::size_t i = 0; i < x.size(); ++i) g[i] = x[i];
    return half_square(x);
  });
  const Vec x = Vec::LinSpaced(3, 1.0f, 3.0f);
  EXPECT_DOUBLE_EQ(f.loss(x), 7.0);
  Vec g(3);
  EXPECT_DOUBLE_EQ(f.gradient(x, g), 7.0);
  EXPECT_EQ(g, x);
  EXPECT_EQ(f.counts().n_loss, 1);
  EXPECT_EQ(f.counts().n_gradient, 1);
}

TEST(FunctionObjective, FComesFromTheGradientCallbackWhenOnlyItIsGiven) {
  FunctionObjective f(2, {}, [](std::span<const float> x, std::span<float> g) {
    g[0] = g[1] = 0.0f;
    return half_square(x);
  });
  EXPECT_DOUBLE_EQ(f.loss(Vec::Constant(2, 2.0f)), 4.0);
}

TEST(FunctionObjective, NonFiniteValuesAreErrorsNamingTheObjective) {
  FunctionObjective nan_f(
      2, [](std::span<const float>) { return std::nan(""); }, {}, "my loss");
  EXPECT_EQ(error_of([&] { nan_f.loss(Vec::Zero(2)); }), "my loss: f(x) returned nan, not a finite number");

  FunctionObjective bad_grad(2, half_square, [](std::span<const float> x, std::span<float> g) {
    g[0] = 0.0f;
    g[1] = std::numeric_limits<float>::infinity();
    return half_square(x);
  });
  Vec g(2);
  EXPECT_EQ(error_of([&] { bad_grad.gradient(Vec::Zero(2), g); }),
            "the objective: ∇f(x) holds inf at coordinate 1, not a finite number");
}

TEST(FunctionObjective, AMissingGradientOrDimensionIsNamed) {
  FunctionObjective f_only(2, half_square);
  Vec g(2);
  EXPECT_NE(error_of([&] { f_only.gradient(Vec::Zero(2), g); }).find("needs ∇f, but only f"),
            std::string::npos);
  EXPECT_EQ(error_of([] { FunctionObjective(0, half_square); }),
            "the objective: the dimension must be ≥ 1 (got 0)");
  EXPECT_EQ(error_of([] { FunctionObjective(2, {}); }), "the objective: give f, ∇f or both (both are empty)");
}

}  // namespace
}  // namespace valley
