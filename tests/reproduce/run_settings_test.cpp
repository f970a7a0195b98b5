#include "valley/reproduce/run_settings.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "support/run_command.h"
#include "valley/core/error.h"

namespace valley {
namespace {

// A flag added to `valley train` must become a key of the experiment files
// (or be one that `valley reproduce` sets itself), and no key may outlive
// its flag.
TEST(ReproduceRunSettings, KeysAreTheFlagsOfValleyTrain) {
  const auto help = testing::run_valley({"train", "--help"});
  ASSERT_EQ(help.exit_status, 0) << help.err;
  std::set<std::string> flags;
  const std::regex flag("--([A-Za-z][A-Za-z0-9-]*)");
  for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), flag); it != std::sregex_iterator();
       ++it)
    flags.insert((*it)[1]);
  const std::set<std::string> set_by_reproduce = {"help", "data", "test-data", "out", "overwrite", "seed",
                                                  "threads", "no-progress", "resume", "checkpoint-every",
                                                  "device",
                                                  // experiments start from Glorot-uniform
                                                  // parameters (docs/MODEL_FILES.md)
                                                  "init-from"};
  const std::vector<std::string> keys = run_setting_keys();
  const std::set<std::string> key_set(keys.begin(), keys.end());
  for (const std::string& f : flags) {
    if (set_by_reproduce.count(f) == 0) {
      EXPECT_TRUE(key_set.count(f)) << "--" << f << " is not a key";
    }
  }
  for (const std::string& k : keys) EXPECT_TRUE(flags.count(k)) << k << " is no flag of valley train";
}

TEST(ReproduceRunSettings, SetsTheConfigAndRejectsKeysTheMethodIgnores) {
  TrainConfig config;
  apply_run_settings({{"method", "sgld"},
                      {"tau", 0.5},
                      {"sgld-noise", "stddev"},
                      {"samples", 7},
                      {"eval-every", 5},
                      {"tau-schedule", "scoping"},
                      {"tau0", 1.5}},
                     "x.json: runs[0].settings", config);
  EXPECT_EQ(config.method.name, "sgld");
  EXPECT_EQ(config.method.regularization.tau, 0.5);
  EXPECT_EQ(config.method.sgld.noise, "stddev");
  EXPECT_EQ(config.method.n_samples, 7);
  EXPECT_EQ(config.eval_every, 5);
  EXPECT_EQ(config.method.regularization.schedule, "scoping");
  EXPECT_EQ(config.method.regularization.tau_0, 1.5);
  EXPECT_NO_THROW(check_settings_apply({{"eps0", 10}}, "sgld", "w"));
  try {
    check_settings_apply({{"rm-c", 0.2}}, "sgld", "x.json: runs[0].settings");
    ADD_FAILURE() << "--rm-c accepted for sgld";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x.json: runs[0].settings.rm-c: does not apply to method 'sgld'");
  }
}

}  // namespace
}  // namespace valley
