// Settings files written before the field tables (methods/settings_table.h)
// still read, and what is read back is written again byte for byte the same:
// a run directory's config.json and a checkpoint's settings (the trainer
// compares them key by key on --resume, and `valley reproduce` compares its
// reproduce.json record with them), and experiment files with the keys as
// they have always been spelt.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "valley/core/error.h"
#include "valley/reproduce/run_settings.h"
#include "valley/train/train_config.h"

namespace valley {
namespace {

// The settings of a heat run as config.json recorded them before the field
// tables (the keys of the hand-written to_json, in its order).
constexpr const char* kConfigJson = R"({
  "net": "784-30-10", "updates": 12, "batch": 20, "eval_every": 6, "eval_size": 200,
  "threads": 2, "inner_batch": "same", "checkpoint_every": 4, "seed": 7, "method": "heat",
  "sampler": "projected", "lr": 0.01, "tau": 0.02, "tau_schedule": "scoping", "tau0": 0.05,
  "tau1": 0.001, "eta": null, "samples": null, "eps0": 1000.0, "sgld_noise": "variance",
  "beta": 1.0, "rm_iters": 5, "rm_samples": 4, "rm_c": 0.1, "rm_alpha": 0.7, "sgd_first": 3,
  "momentum": null, "nesterov": null, "weight_decay": 0.0, "lr_drops": [], "lr_drop_epochs": [],
  "lr_drop_factor": 0.1, "rho": 0.05, "adaptive": false, "asam_eta": 0.01, "L": 20,
  "gamma0": 0.0001, "gamma1": 0.001, "noise": 0.0001, "inner_lr": 0.1, "beta1": 0.75,
  "covariance": "iso", "tau_min": 1e-06, "tau_max": 1.0, "data": "/data/mnist",
  "test_data": "", "init_from": "", "out": "runs/heat"})";

// An older checkpoint's settings: from before --sgld-noise, --init-from, the
// base optimizer, SAM, Entropy-SGD and --covariance were recorded, with
// several SGLD chains on the emulated device (keys written only when they
// are not the default).
constexpr const char* kOldCheckpointJson = R"({
  "net": "784-10", "updates": 8, "batch": 10, "eval_every": 4, "eval_size": 100,
  "threads": 1, "inner_batch": "auto", "checkpoint_every": 2, "seed": 3, "method": "sgld",
  "sampler": "full", "lr": 0.05, "tau": 0.01, "tau_schedule": "const", "tau0": null,
  "tau1": 0.01, "eta": 0.5, "samples": 50, "eps0": 2000.0, "beta": 1.0, "rm_iters": null,
  "rm_samples": null, "rm_c": 0.1, "rm_alpha": 0.7, "sgd_first": 0, "sgld_chains": 4,
  "device": "emulate", "data": "", "test_data": "", "out": "runs/sgld"})";

TEST(OldSettingsFiles, TodaysConfigJsonReadsAndIsWrittenAgainUnchanged) {
  const nlohmann::json stored = nlohmann::json::parse(kConfigJson);
  const TrainConfig config = train_config_from_json(stored, "config.json");
  EXPECT_EQ(config.method.name, "heat");
  EXPECT_EQ(config.method.seed, 7u);
  EXPECT_EQ(config.method.sampler, "projected");
  EXPECT_EQ(config.method.regularization.schedule, "scoping");
  EXPECT_EQ(config.method.regularization.tau_0, 0.05);
  EXPECT_FALSE(config.method.n_samples.has_value());
  EXPECT_EQ(config.method.heat.n_iterations, 5);
  EXPECT_EQ(config.method.heat.n_draws, 4);
  EXPECT_EQ(config.method.sgd_first, 3);
  EXPECT_EQ(config.n_threads, 2);
  EXPECT_EQ(config.checkpoint_every, 4);
  EXPECT_EQ(config.data_dir, std::filesystem::path("/data/mnist"));
  EXPECT_FALSE(config.test_data_dir.has_value());
  EXPECT_EQ(config.out_dir, std::filesystem::path("runs/heat"));
  EXPECT_EQ(to_json(config), stored);
  EXPECT_NO_THROW(validate(config));
}

TEST(OldSettingsFiles, OlderCheckpointSettingsReadWithTheDefaultsTheyHad) {
  const nlohmann::json stored = nlohmann::json::parse(kOldCheckpointJson);
  const TrainConfig config = train_config_from_json(stored, "checkpoint.bin");
  EXPECT_EQ(config.method.name, "sgld");
  EXPECT_EQ(config.method.sgld.noise, "variance");
  EXPECT_EQ(config.method.sgld.chains, 4);
  EXPECT_EQ(config.device, "emulate");
  EXPECT_EQ(config.method.regularization.eta, 0.5);
  EXPECT_EQ(config.method.n_samples, 50);
  EXPECT_FALSE(config.init_from.has_value());
  EXPECT_FALSE(config.method.base.momentum.has_value());
  EXPECT_EQ(config.method.sam.rho, 0.05);
  EXPECT_EQ(config.method.entropy_sgd.n_langevin, 20);
  EXPECT_EQ(config.method.covariance.kind, "iso");
  // Written again, every key it had keeps its value; the keys added since
  // hold their defaults.
  const nlohmann::json again = to_json(config);
  for (const auto& [key, value] : stored.items()) EXPECT_EQ(again.at(key), value) << key;
  EXPECT_EQ(again.at("sgld_noise"), "variance");
  EXPECT_EQ(again.at("init_from"), "");
}

// An experiment's settings with the keys spelt as the flags, as every
// experiment file has spelt them (and "no-nesterov" for --no-nesterov), and
// the same settings spelt as config.json spells them.
TEST(OldSettingsFiles, ExperimentKeysReadInBothSpellings) {
  const nlohmann::json flag_spelling = nlohmann::json::parse(R"({
    "method": "entropy-sgd", "updates": 30, "eval-every": 10, "inner-batch": "fresh",
    "lr": 0.5, "L": 5, "gamma0": 0.03, "inner-lr": 0.2, "weight-decay": 0.001,
    "lr-drop-epochs": [2, 4], "lr-drop-factor": 0.2, "no-nesterov": true, "momentum": 0.5})");
  nlohmann::json json_spelling;
  for (const auto& [key, value] : flag_spelling.items()) {
    std::string k = key;
    std::replace(k.begin(), k.end(), '-', '_');
    json_spelling[k] = value;
  }
  for (const nlohmann::json& settings : {flag_spelling, json_spelling}) {
    TrainConfig config;
    apply_run_settings(settings, "fig.json: runs[0].settings", config);
    check_settings_apply(settings, config.method.name, "fig.json: runs[0].settings");
    EXPECT_EQ(config.method.name, "entropy-sgd");
    EXPECT_EQ(config.n_updates, 30);
    EXPECT_EQ(config.eval_every, 10);
    EXPECT_EQ(config.inner_batch, "fresh");
    EXPECT_EQ(config.method.sgd.lr, 0.5);
    EXPECT_EQ(config.method.entropy_sgd.n_langevin, 5);
    EXPECT_EQ(config.method.entropy_sgd.gamma_0, 0.03);
    EXPECT_EQ(config.method.entropy_sgd.inner_lr, 0.2);
    EXPECT_EQ(config.method.base.weight_decay, 0.001);
    EXPECT_EQ(config.method.base.lr_drop_epochs, (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(config.method.base.lr_drop_factor, 0.2);
    EXPECT_EQ(config.method.base.nesterov, false);
    EXPECT_EQ(config.method.base.momentum, 0.5);
  }
}

TEST(OldSettingsFiles, ExperimentErrorsNameTheKeyAsWritten) {
  TrainConfig config;
  try {
    apply_run_settings({{"rm_iters", "many"}}, "x.json: settings", config);
    ADD_FAILURE() << "a string accepted for rm_iters";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x.json: settings.rm_iters: expected an integer (got \"many\")");
  }
  try {
    check_settings_apply({{"rm_c", 0.2}}, "sgld", "x.json: settings");
    ADD_FAILURE() << "rm_c accepted for sgld";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x.json: settings.rm_c: does not apply to method 'sgld'");
  }
}

}  // namespace
}  // namespace valley
