// --device as a user meets it on a machine without a usable GPU: one line
// naming the flag and why, exit status 2, nothing written — whether this
// valley was built without CUDA or with it (then CUDA's own reason).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/backends/device.h"
#include "valley/devices/device_registry.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

class DeviceFlag : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_count() > 0)
      GTEST_SKIP() << "a CUDA device is present: tests/cuda covers --device cuda here";
    testing::write_synthetic_data_dir(dir_ / "data", 200, 40);
  }
  // The one line a user gets for --device cuda here.
  static void expect_no_device_error(const testing::CommandResult& result) {
    EXPECT_EQ(result.exit_status, 2) << result.err;
    const std::string line = result.err.substr(0, result.err.find('\n'));
    EXPECT_EQ(result.err, line + "\n") << "not one line";
    EXPECT_NE(line.find("--device cuda: "), std::string::npos) << line;
    if (cuda_built_in())  // CUDA's reason: no driver, or no GPU
      EXPECT_NE(line.find("no usable CUDA device (cudaGetDeviceCount: "), std::string::npos) << line;
    else
      EXPECT_NE(line.find("built without CUDA"), std::string::npos) << line;
  }
  TempDir dir_;
};

TEST_F(DeviceFlag, TrainSaysWhyThereIsNoCudaDevice) {
  const auto result =
      run_valley({"train", "--data", (dir_ / "data").string(), "--out", (dir_ / "run").string(), "--updates",
                  "2", "--net", "784-10", "--no-progress", "--device", "cuda"});
  expect_no_device_error(result);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "run"));
}

TEST_F(DeviceFlag, BenchSaysWhyThereIsNoCudaDevice) {
  expect_no_device_error(run_valley({"bench", "--device", "cuda", "--nets", "784-10"}));
}

TEST_F(DeviceFlag, ReproduceSaysWhyThereIsNoCudaDevice) {
  const auto result =
      run_valley({"reproduce", "table1", "--data", (dir_ / "data").string(), "--out", (dir_ / "exp").string(),
                  "--seeds", "1", "--device", "cuda", "--no-progress"});
  expect_no_device_error(result);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "exp" / "runs"));
}

TEST_F(DeviceFlag, RejectsUnknownDevicesAndRunsOnTheCpuByDefault) {
  const std::vector<std::string> train = {
      "train", "--data", (dir_ / "data").string(), "--out", (dir_ / "run").string(), "--updates", "2",
      "--net", "784-10", "--no-progress"};
  std::vector<std::string> args = train;
  args.insert(args.end(), {"--device", "tpu"});
  const auto bad = run_valley(args);
  EXPECT_EQ(bad.exit_status, 2);
  EXPECT_NE(bad.err.find("--device must be 'cpu', 'cuda' or 'emulate' (got 'tpu')"), std::string::npos)
      << bad.err;
  args = train;
  args.insert(args.end(), {"--device", "cpu"});
  const auto cpu = run_valley(args);
  ASSERT_EQ(cpu.exit_status, 0) << cpu.err;
  EXPECT_EQ(testing::read_text(dir_ / "run" / "config.json").find("\"device\""), std::string::npos)
      << "a CPU run's settings read as before";
}

}  // namespace
}  // namespace valley
