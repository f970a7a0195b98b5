#include "valley/train/train_config.h"

#include <gtest/gtest.h>

#include "valley/core/error.h"

namespace valley {
namespace {

TrainConfig every_setting_changed() {
  TrainConfig c;
  c.net = "784-30-10";
  c.n_updates = 77;
  c.batch_size = 13;
  c.eval_every = 7;
  c.eval_size = 99;
  c.n_threads = 3;
  c.inner_batch = "fresh";
  c.checkpoint_every = 5;
  c.data_dir = "/d";
  c.test_data_dir = "/t";
  c.out_dir = "/o";
  MethodConfig& m = c.method;
  m.name = "heat";
  m.seed = 18446744073709551615u;  // the largest seed
  m.sampler = "full";
  m.sgd.lr = 0.125;
  m.regularization.tau = 0.3;
  m.regularization.schedule = "scoping";
  m.regularization.tau_0 = 1.5;
  m.regularization.tau_1 = 0.02;
  m.regularization.eta = 0.1;
  m.n_samples = 17;
  m.sgld.eps_0 = 2000;
  m.sgld.noise = "stddev";
  m.is.beta = 0.5;
  m.heat.n_iterations = 4;
  m.heat.n_draws = 6;
  m.heat.c = 0.2;
  m.heat.alpha = 0.9;
  m.sgd_first = 3;
  return c;
}

std::string from_json_error(const nlohmann::json& json) {
  try {
    train_config_from_json(json, "ck.bin");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TrainConfigJson, RoundTripKeepsEverySetting) {
  const TrainConfig c = every_setting_changed();
  const nlohmann::json json = to_json(c);
  // Through text, as a checkpoint stores it.
  const TrainConfig back = train_config_from_json(nlohmann::json::parse(json.dump()), "x");
  EXPECT_EQ(to_json(back), json);
  EXPECT_EQ(back.method.seed, c.method.seed);
  EXPECT_EQ(back.method.regularization.eta, 0.1);
  EXPECT_EQ(back.method.heat.n_draws, 6);
  EXPECT_EQ(back.method.sgld.noise, "stddev");
  EXPECT_EQ(json["sgld_noise"], "stddev");

  const TrainConfig defaults;
  const TrainConfig defaults_back = train_config_from_json(to_json(defaults), "x");
  EXPECT_FALSE(defaults_back.method.n_samples.has_value());
  EXPECT_FALSE(defaults_back.data_dir.has_value());
  EXPECT_EQ(to_json(defaults_back), to_json(defaults));
}

TEST(TrainConfigJson, KeysAreTheFlagNames) {
  const nlohmann::json json = to_json(TrainConfig{});
  for (const char* key : {"eval_every", "inner_batch", "checkpoint_every", "tau_schedule", "tau0", "rm_iters",
                          "rm_samples", "rm_c", "rm_alpha", "sgd_first", "eps0", "sgld_noise"})
    EXPECT_TRUE(json.contains(key)) << key;
}

// Settings saved before these keys were recorded still load, with the
// defaults those runs had.
TEST(TrainConfigJson, OlderSettingsWithoutInitFromOrSgldNoiseLoad) {
  nlohmann::json json = to_json(every_setting_changed());
  json.erase("init_from");
  json.erase("sgld_noise");
  const TrainConfig back = train_config_from_json(json, "x");
  EXPECT_EQ(back.method.sgld.noise, "variance");
  EXPECT_FALSE(back.init_from.has_value());
  json["sgld_noise"] = 1;
  EXPECT_NE(from_json_error(json).find("\"sgld_noise\" must be a string, not number"), std::string::npos);
}

TEST(TrainConfigJson, NamesMissingKeysAndWrongTypes) {
  nlohmann::json json = to_json(every_setting_changed());
  json.erase("lr");
  EXPECT_NE(from_json_error(json).find("ck.bin: the setting \"lr\" is missing"), std::string::npos);
  json = to_json(every_setting_changed());
  json["lr"] = "fast";
  EXPECT_NE(from_json_error(json).find("\"lr\" must be a number, not string"), std::string::npos);
  json["lr"] = 0.1;
  json["updates"] = 2.5;
  EXPECT_NE(from_json_error(json).find("\"updates\" must be an integer"), std::string::npos);
  json["updates"] = 10;
  json["seed"] = -1;
  EXPECT_NE(from_json_error(json).find("\"seed\" must be an integer ≥ 0"), std::string::npos);
  json["seed"] = 1;
  json["samples"] = nlohmann::json::array();
  EXPECT_NE(from_json_error(json).find("\"samples\" must be an integer, not array"), std::string::npos);
  EXPECT_NE(from_json_error(nlohmann::json::array()).find("not a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace valley
