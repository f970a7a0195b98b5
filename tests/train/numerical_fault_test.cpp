// Numerical faults stop a run at the update that produced them, with a
// message naming the update, the method and the quantity; the run's
// summary.json says "diverged" or "failed" and the last checkpoint stays.
#include "valley/train/numerical_fault.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "support/test_objectives.h"
#include "valley/core/error.h"
#include "valley/train/checkpoint.h"
#include "valley/train/trainer.h"

namespace valley {
namespace {

using testing::TempDir;

// A finite loss with a gradient that is NaN in its first coordinate.
class NanGradient final : public Objective {
 public:
  int64_t dim() const override { return 3; }

 protected:
  double compute_loss(ConstVecRef) override { return 1.0; }
  double compute_gradient(ConstVecRef, VecRef grad) override {
    grad.setZero();
    grad[0] = std::numeric_limits<float>::quiet_NaN();
    return 1.0;
  }
};

TEST(DescribeNonFiniteUpdate, NamesTheLossTheGradientOrTheSteps) {
  const Vec start = Vec::Constant(3, 1e30f);
  Vec end = Vec::Zero(3);
  end[2] = std::numeric_limits<float>::infinity();
  testing::Constant infinite_loss(3, std::numeric_limits<double>::infinity());
  EXPECT_NE(describe_non_finite_update(infinite_loss, start, end, "x")
                .find("non-finite loss: f(x) at "
                      "the start of the update is inf"),
            std::string::npos);
  NanGradient nan_gradient;
  EXPECT_NE(
      describe_non_finite_update(nan_gradient, start, end, "x")
          .find("non-finite gradient: ∇f(x) at the start of the update has 1 non-finite coordinates of 3"),
      std::string::npos);
  testing::Constant fine(3, 2.0);
  const std::string steps = describe_non_finite_update(fine, start, end, "a smaller --lr");
  EXPECT_NE(steps.find("non-finite parameters: 1 of 3"), std::string::npos) << steps;
  EXPECT_NE(steps.find("try a smaller --lr"), std::string::npos) << steps;
}

TEST(StepSizeHint, NamesTheFlagOfTheMethodInUse) {
  EXPECT_EQ(step_size_hint("sgld", 3, 5), "a smaller --lr");  // still in --sgd-first
  EXPECT_NE(step_size_hint("sgld", 5, 5).find("--eps0"), std::string::npos);
  EXPECT_NE(step_size_hint("heat", 0, 0).find("--rm-c"), std::string::npos);
}

class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 100, 30);
    data_ = load_data_dir(dir_ / "data");
  }

  TrainConfig config(const std::string& method) {
    TrainConfig c;
    c.net = "784-10";
    c.n_updates = 4;
    c.eval_every = 2;
    c.eval_size = 30;
    c.checkpoint_every = 1;
    c.out_dir = dir_ / method;
    c.progress = false;
    c.method.name = method;
    if (method != "sgd") c.method.n_samples = 16;
    return c;
  }

  // Runs and returns the error; checks the summary and that the checkpoint
  // kept is of the update before the fault, with finite parameters.
  std::string fault_of(const TrainConfig& c, const std::string& status) {
    try {
      run_training(c, data_);
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      const auto summary = nlohmann::json::parse(testing::read_text(c.out_dir / "summary.json"));
      EXPECT_EQ(summary["status"], status) << message;
      const Checkpoint kept = read_checkpoint(c.out_dir / kCheckpointFile);
      EXPECT_EQ(summary["updates_done"], kept.n_done);
      EXPECT_EQ(summary["last_checkpoint"], kept.n_done);
      EXPECT_TRUE(kept.x.allFinite());
      return message;
    }
    ADD_FAILURE() << "the run did not stop";
    return "";
  }

  TempDir dir_;
  DataSplit data_;
};

TEST_F(Faults, ImportanceWeightsThatAreAllZeroStopTheRun) {
  TrainConfig c = config("is");
  c.method.is.beta = 1e308;  // −β f overflows to −∞: every weight is exactly 0
  const std::string message = fault_of(c, "failed");
  EXPECT_NE(message.find("update 1: method is: importance sampling: all 16 weights"), std::string::npos)
      << message;
}

TEST_F(Faults, ImportanceWeightsThatAllUnderflowAreStillUsed) {
  // log w = −β f ≈ −2·10⁴: exp underflows to 0 in double for every sample,
  // but the log-sum-exp accumulation keeps the weighted mean exact.
  TrainConfig c = config("is");
  c.method.is.beta = 1e4;
  const TrainOutcome outcome = run_training(c, data_);
  EXPECT_TRUE(outcome.x.allFinite());
  for (const MetricsRow& row : outcome.rows) {
    EXPECT_TRUE(std::isfinite(row.train_loss)) << "update " << row.update;
    if (row.update > 0) {
      EXPECT_GE(row.ess, 1.0) << "update " << row.update;
    }
  }
}

TEST_F(Faults, SgldWithHugeStepsDiverges) {
  TrainConfig c = config("sgld");
  // ε_j = 1/j with τ = 10⁻³: step j multiplies the chain's distance from x
  // by 500/j − 1, about 10⁶⁰ over 40 steps, far past float's 3.4·10³⁸.
  c.method.sgld.eps_0 = 0.0;
  c.method.regularization.tau = 1e-3;
  c.method.n_samples = 40;
  const std::string message = fault_of(c, "diverged");
  EXPECT_NE(message.find("update 1: method sgld: non-finite parameters"), std::string::npos) << message;
  EXPECT_NE(message.find("--eps0"), std::string::npos) << message;
  EXPECT_NE(message.find("the checkpoint of update 0 is kept"), std::string::npos) << message;
}

TEST_F(Faults, HeatWithHugeStepsDiverges) {
  TrainConfig c = config("heat");
  c.method.heat.c = 1e30;
  const std::string message = fault_of(c, "diverged");
  EXPECT_NE(message.find("update 1: method heat: non-finite parameters"), std::string::npos) << message;
  EXPECT_NE(message.find("--rm-c"), std::string::npos) << message;
}

TEST_F(Faults, SgdThatOverflowsNamesTheLoss) {
  TrainConfig c = config("sgd");
  c.net = "784-30-10";
  c.method.sgd.lr = 1e30;  // x_1 is finite but so large that f(x_1) is not
  const std::string message = fault_of(c, "diverged");
  EXPECT_NE(message.find("update 2: method sgd: non-finite loss"), std::string::npos) << message;
  EXPECT_NE(message.find("the checkpoint of update 1 is kept"), std::string::npos) << message;
}

}  // namespace
}  // namespace valley
