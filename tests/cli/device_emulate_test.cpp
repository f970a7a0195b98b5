// --device emulate: the GPU path (the kernel device's sequences and the CUDA
// kernels' bodies, run on the CPU by the emulated kernels) through the whole
// command, as a user runs --device cuda. Each method trains like the CPU
// (the same counts of evaluations, losses and accuracies within rounding),
// gives the same files twice, and resumes as if never interrupted.
#include <gtest/gtest.h>

#include <signal.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <thread>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/reproduce/run_results.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

// Equal, NaN included (τ is NaN for SGD, the ESS for all but IS).
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

class EmulatedDevice : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40); }

  std::vector<std::string> train(const std::string& out, const std::vector<std::string>& method,
                                 const std::string& device, int updates = 6) {
    std::vector<std::string> args = {"train",
                                     "--data",
                                     (dir_ / "data").string(),
                                     "--out",
                                     (dir_ / out).string(),
                                     "--net",
                                     "784-30-10",
                                     "--updates",
                                     std::to_string(updates),
                                     "--eval-every",
                                     "3",
                                     "--no-progress",
                                     "--device",
                                     device};
    args.insert(args.end(), method.begin(), method.end());
    return args;
  }

  TempDir dir_;
};

const std::vector<std::pair<std::string, std::vector<std::string>>> kMethods = {
    {"sgd", {"--method", "sgd", "--lr", "0.1"}},
    {"sgd-momentum", {"--method", "sgd", "--lr", "0.05", "--momentum", "0.9"}},
    {"is", {"--method", "is", "--sampler", "full", "--samples", "20"}},
    {"is-projected", {"--method", "is", "--sampler", "projected", "--samples", "20"}},
    {"sgld", {"--method", "sgld", "--sampler", "full", "--samples", "20"}},
    {"sgld-projected", {"--method", "sgld", "--samples", "20"}},  // (auto: projected, as on the CPU)
    {"heat", {"--method", "heat", "--sampler", "full", "--rm-iters", "3", "--rm-samples", "4"}},
    {"heat-projected",
     {"--method", "heat", "--sampler", "projected", "--rm-iters", "3", "--rm-samples", "4"}},
};

TEST_F(EmulatedDevice, EveryMethodTrainsLikeTheCpu) {
  for (const auto& [name, method] : kMethods) {
    const auto cpu = run_valley(train(name + "-cpu", method, "cpu"));
    ASSERT_EQ(cpu.exit_status, 0) << name << ": " << cpu.err;
    const auto emulated = run_valley(train(name + "-emulate", method, "emulate"));
    ASSERT_EQ(emulated.exit_status, 0) << name << ": " << emulated.err;
    testing::expect_run_files_whole(dir_ / (name + "-emulate"), name, false);
    const auto config = nlohmann::json::parse(testing::read_text(dir_ / (name + "-emulate") / "config.json"));
    EXPECT_EQ(config["device"], "emulate") << name;
    EXPECT_EQ(nlohmann::json::parse(testing::read_text(dir_ / (name + "-cpu") / "config.json"))["sampler"],
              config["sampler"])
        << name << ": --sampler auto resolved differently";
    const auto a = read_metrics_csv(dir_ / (name + "-cpu") / "metrics.csv");
    const auto b = read_metrics_csv(dir_ / (name + "-emulate") / "metrics.csv");
    ASSERT_EQ(a.size(), b.size()) << name;
    ASSERT_EQ(a.size(), 3u) << name;
    for (std::size_t r = 0; r < a.size(); ++r) {
      // update, tau, loss and gradient evaluations: the same
      EXPECT_EQ(a[r].update, b[r].update) << name << " row " << r;
      EXPECT_TRUE(same(a[r].tau, b[r].tau))
          << name << " row " << r << ": tau " << a[r].tau << " vs " << b[r].tau;
      EXPECT_EQ(a[r].loss_evals, b[r].loss_evals) << name << " row " << r;
      EXPECT_EQ(a[r].gradient_evals, b[r].gradient_evals) << name << " row " << r;
      // train_loss, test_loss, ess: within rounding; accuracy: within 2 of 40 images
      for (const auto& [what, x, y] :
           {std::tuple{"train_loss", a[r].train_loss, b[r].train_loss},
            std::tuple{"test_loss", a[r].test_loss, b[r].test_loss}, std::tuple{"ess", a[r].ess, b[r].ess}}) {
        if (same(x, y)) continue;
        EXPECT_NEAR(y, x, 1e-3 * std::abs(x) + 1e-6) << name << " row " << r << " " << what;
      }
      EXPECT_NEAR(b[r].test_accuracy, a[r].test_accuracy, 0.05 + 1e-9) << name << " row " << r;
    }
  }
}

TEST_F(EmulatedDevice, SameSeedSameResultsAndResumesAsIfUninterrupted) {
  const std::vector<std::string> sgld = {"--method",  "sgld", "--sampler",          "full",
                                         "--samples", "60",   "--checkpoint-every", "1"};
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_valley(train("once", sgld, "emulate", 30)).exit_status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(run_valley(train("twice", sgld, "emulate", 30)).exit_status, 0);
  // Killed halfway, then resumed: the chain's state travels in the checkpoint.
  {
    testing::BackgroundValley valley(train("killed", sgld, "emulate", 30));
    std::this_thread::sleep_for(std::chrono::duration<double>(0.5 * seconds));
    valley.kill();
    EXPECT_EQ(valley.wait(), 128 + SIGKILL) << "the run ended before the kill: make it longer";
  }
  ASSERT_TRUE(std::filesystem::exists(dir_ / "killed" / kCheckpointFile));
  const auto resumed = run_valley({"train", "--resume", (dir_ / "killed").string(), "--no-progress"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  const std::string once =
      testing::metrics_without_seconds(testing::read_text(dir_ / "once" / "metrics.csv"));
  EXPECT_EQ(testing::metrics_without_seconds(testing::read_text(dir_ / "twice" / "metrics.csv")), once);
  EXPECT_EQ(testing::metrics_without_seconds(testing::read_text(dir_ / "killed" / "metrics.csv")), once);
  const Vec x = read_checkpoint(dir_ / "once" / kCheckpointFile).x;
  for (const char* other : {"twice", "killed"}) {
    const Vec y = read_checkpoint(dir_ / other / kCheckpointFile).x;
    ASSERT_EQ(x.size(), y.size());
    for (Eigen::Index i = 0; i < x.size(); ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(x[i]), std::bit_cast<uint32_t>(y[i])) << other << ", parameter " << i;
  }
}

TEST_F(EmulatedDevice, MethodsNotOnTheDeviceAreOneLineErrorsNamingIt) {
  const auto sam = run_valley(train("sam", {"--method", "sam"}, "emulate"));
  EXPECT_EQ(sam.exit_status, 2);
  EXPECT_EQ(sam.err.find('\n'), sam.err.size() - 1) << sam.err;
  EXPECT_NE(sam.err.find("--device emulate: method sam does not run on the GPU"), std::string::npos)
      << sam.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "sam"));
}

}  // namespace
}  // namespace valley
