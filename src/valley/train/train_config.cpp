#include "valley/train/train_config.h"

#include <cstdint>
#include <optional>
#include <string>

#include "valley/backends/device.h"
#include "valley/core/error.h"
#include "valley/devices/device_registry.h"
#include "valley/schedules/lr_drops.h"
#include "valley/model/net_spec.h"

namespace valley {

void validate(const TrainConfig& config) {
  NetSpec::parse(config.net, "--net");
  if (config.n_updates < 0) fail("--updates must be ≥ 0 (got {})", config.n_updates);
  if (config.batch_size < 1) fail("--batch must be ≥ 1 (got {})", config.batch_size);
  if (config.batch_size > 100000) fail("--batch must be ≤ 100000 (got {})", config.batch_size);
  if (config.eval_every < 1) fail("--eval-every must be ≥ 1 (got {})", config.eval_every);
  if (config.eval_size < 1) fail("--eval-size must be ≥ 1 (got {})", config.eval_size);
  if (config.n_threads < 1 || config.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", config.n_threads);
  check_device_name(config.device);
  if (config.inner_batch != "same" && config.inner_batch != "fresh" && config.inner_batch != "auto")
    fail("--inner-batch must be 'auto', 'same' or 'fresh' (got '{}')", config.inner_batch);
  if (config.out_dir.empty()) fail("--out DIR is required: where the results of the run go");
  if (config.init_from && config.init_from->empty()) fail("--init-from needs a model file");
  if (config.checkpoint_every < 0)
    fail("--checkpoint-every must be ≥ 0 (got {})", config.checkpoint_every);
  validate(config.method);
  if (config.inner_batch == "fresh" && config.method.sampler == "projected")
    fail("--sampler projected is exact only when one minibatch serves a whole update; it cannot "
         "be combined with --inner-batch fresh");
}

void validate_against_data(const TrainConfig& config, int64_t n_train_images, const std::string& source) {
  if (config.batch_size > n_train_images)
    fail("--batch {} is larger than the training set ({} images in {})", config.batch_size, n_train_images,
         source);
}

MethodConfig method_for_data(const TrainConfig& config, int64_t n_train_images) {
  MethodConfig method = config.method;
  if (method.base.lr_drop_epochs.empty()) return method;
  if (config.inner_batch == "auto") fail("method_for_data: --inner-batch is not resolved yet");
  const int64_t per_update =
      method.name == "entropy-sgd" && config.inner_batch == "fresh" ? method.entropy_sgd.n_langevin : 1;
  method.base.lr_drops = lr_drops_of_epochs(
      method.base.lr_drop_epochs, epoch_length(n_train_images, config.batch_size, per_update));
  method.base.lr_drop_epochs.clear();
  return method;
}

nlohmann::json to_json(const TrainConfig& config) {
  const MethodConfig& m = config.method;
  const auto optional = [](const auto& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  nlohmann::json out = {{"net", config.net},
          {"updates", config.n_updates},
          {"batch", config.batch_size},
          {"eval_every", config.eval_every},
          {"eval_size", config.eval_size},
          {"threads", config.n_threads},
          {"inner_batch", config.inner_batch},
          {"checkpoint_every", config.checkpoint_every},
          {"seed", m.seed},
          {"method", m.name},
          {"sampler", m.sampler},
          {"lr", m.sgd.lr},
          {"tau", m.regularization.tau},
          {"tau_schedule", m.regularization.schedule},
          {"tau0", optional(m.regularization.tau_0)},
          {"tau1", m.regularization.tau_1},
          {"eta", optional(m.regularization.eta)},
          {"samples", optional(m.n_samples)},
          {"eps0", m.sgld.eps_0},
          {"sgld_noise", m.sgld.noise},
          {"beta", m.is.beta},
          {"rm_iters", optional(m.heat.n_iterations)},
          {"rm_samples", optional(m.heat.n_draws)},
          {"rm_c", m.heat.c},
          {"rm_alpha", m.heat.alpha},
          {"sgd_first", m.sgd_first},
          {"momentum", optional(m.base.momentum)},
          {"nesterov", optional(m.base.nesterov)},
          {"weight_decay", m.base.weight_decay},
          {"lr_drops", m.base.lr_drops},
          {"lr_drop_epochs", m.base.lr_drop_epochs},
          {"lr_drop_factor", m.base.lr_drop_factor},
          {"rho", m.sam.rho},
          {"adaptive", m.sam.adaptive},
          {"asam_eta", m.sam.asam_eta},
          {"L", m.entropy_sgd.n_langevin},
          {"gamma0", m.entropy_sgd.gamma_0},
          {"gamma1", m.entropy_sgd.gamma_1},
          {"noise", m.entropy_sgd.noise},
          {"inner_lr", m.entropy_sgd.inner_lr},
          {"beta1", m.entropy_sgd.beta_1},
          {"covariance", m.covariance.kind},
          {"tau_min", m.covariance.tau_min},
          {"tau_max", m.covariance.tau_max},
          {"data", config.data_dir ? config.data_dir->string() : ""},
          {"test_data", config.test_data_dir ? config.test_data_dir->string() : ""},
          {"init_from", config.init_from ? config.init_from->string() : ""},
          {"out", config.out_dir.string()}};
  // Recorded only when not 1, so that the settings of one chain read as before.
  if (m.sgld.chains != 1) out["sgld_chains"] = m.sgld.chains;
  // Recorded only off the CPU, so that the settings of CPU runs read as before.
  if (config.device != "cpu") out["device"] = config.device;
  return out;
}

namespace {

// Reads json[key] into `out`, checking that it is there and of the right type.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& json, const std::string& where) : json_(json), where_(where) {
    if (!json.is_object()) fail("{}: the settings are not a JSON object", where);
  }

  const nlohmann::json& at(const char* key) const {
    if (!json_.contains(key)) fail("{}: the setting \"{}\" is missing", where_, key);
    return json_[key];
  }
  void get(const char* key, std::string& out) const {
    const nlohmann::json& v = at(key);
    if (!v.is_string()) wrong_type(key, "a string", v);
    out = v.get<std::string>();
  }
  void get(const char* key, int64_t& out) const {
    const nlohmann::json& v = at(key);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX))
      wrong_type(key, "an integer", v);
    out = v.get<int64_t>();
  }
  void get(const char* key, uint64_t& out) const {
    const nlohmann::json& v = at(key);
    if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<int64_t>() < 0))
      wrong_type(key, "an integer ≥ 0", v);
    out = v.get<uint64_t>();
  }
  void get(const char* key, double& out) const {
    const nlohmann::json& v = at(key);
    if (!v.is_number()) wrong_type(key, "a number", v);
    out = v.get<double>();
  }
  template <typename T>
  void get(const char* key, std::optional<T>& out) const {
    if (at(key).is_null()) {
      out.reset();
      return;
    }
    T value{};
    get(key, value);
    out = value;
  }
  void get(const char* key, bool& out) const {
    const nlohmann::json& v = at(key);
    if (!v.is_boolean()) wrong_type(key, "true or false", v);
    out = v.get<bool>();
  }
  void get(const char* key, std::vector<int64_t>& out) const {
    const nlohmann::json& v = at(key);
    if (!v.is_array()) wrong_type(key, "an array of integers", v);
    out.clear();
    for (const nlohmann::json& e : v) {
      if (!e.is_number_integer()) wrong_type(key, "an array of integers", v);
      out.push_back(e.get<int64_t>());
    }
  }
  // A setting newer than some saved runs: absent means its default.
  template <typename T>
  void get_if_present(const char* key, T& out) const {
    if (json_.contains(key)) get(key, out);
  }
  void get(const char* key, std::optional<std::filesystem::path>& out) const {
    std::string path;
    get(key, path);
    out = path.empty() ? std::nullopt : std::optional<std::filesystem::path>(path);
  }

 private:
  [[noreturn]] void wrong_type(const char* key, const char* expected, const nlohmann::json& v) const {
    fail("{}: the setting \"{}\" must be {}, not {}", where_, key, expected, v.type_name());
  }

  const nlohmann::json& json_;
  const std::string& where_;
};

}  // namespace

TrainConfig train_config_from_json(const nlohmann::json& json, const std::string& where) {
  const JsonFields fields(json, where);
  TrainConfig config;
  MethodConfig& m = config.method;
  std::string out;
  fields.get("net", config.net);
  fields.get("updates", config.n_updates);
  fields.get("batch", config.batch_size);
  fields.get("eval_every", config.eval_every);
  fields.get("eval_size", config.eval_size);
  fields.get("threads", config.n_threads);
  fields.get("inner_batch", config.inner_batch);
  fields.get("checkpoint_every", config.checkpoint_every);
  fields.get("seed", m.seed);
  fields.get("method", m.name);
  fields.get("sampler", m.sampler);
  fields.get("lr", m.sgd.lr);
  fields.get("tau", m.regularization.tau);
  fields.get("tau_schedule", m.regularization.schedule);
  fields.get("tau0", m.regularization.tau_0);
  fields.get("tau1", m.regularization.tau_1);
  fields.get("eta", m.regularization.eta);
  fields.get("samples", m.n_samples);
  fields.get("eps0", m.sgld.eps_0);
  // Settings saved before "sgld_noise" was recorded lack it; those runs drew
  // the noise as Alg. 3 prints it unless started with --sgld-noise stddev,
  // which was then lost.
  if (json.contains("sgld_noise")) fields.get("sgld_noise", m.sgld.noise);
  if (json.contains("sgld_chains")) fields.get("sgld_chains", m.sgld.chains);
  if (json.contains("device")) fields.get("device", config.device);
  fields.get("beta", m.is.beta);
  fields.get("rm_iters", m.heat.n_iterations);
  fields.get("rm_samples", m.heat.n_draws);
  fields.get("rm_c", m.heat.c);
  fields.get("rm_alpha", m.heat.alpha);
  fields.get("sgd_first", m.sgd_first);
  fields.get_if_present("momentum", m.base.momentum);
  fields.get_if_present("nesterov", m.base.nesterov);
  fields.get_if_present("weight_decay", m.base.weight_decay);
  fields.get_if_present("lr_drops", m.base.lr_drops);
  fields.get_if_present("lr_drop_epochs", m.base.lr_drop_epochs);
  fields.get_if_present("lr_drop_factor", m.base.lr_drop_factor);
  fields.get_if_present("rho", m.sam.rho);
  fields.get_if_present("adaptive", m.sam.adaptive);
  fields.get_if_present("asam_eta", m.sam.asam_eta);
  fields.get_if_present("L", m.entropy_sgd.n_langevin);
  fields.get_if_present("gamma0", m.entropy_sgd.gamma_0);
  fields.get_if_present("gamma1", m.entropy_sgd.gamma_1);
  fields.get_if_present("noise", m.entropy_sgd.noise);
  fields.get_if_present("inner_lr", m.entropy_sgd.inner_lr);
  fields.get_if_present("beta1", m.entropy_sgd.beta_1);
  fields.get_if_present("covariance", m.covariance.kind);
  fields.get_if_present("tau_min", m.covariance.tau_min);
  fields.get_if_present("tau_max", m.covariance.tau_max);
  fields.get("data", config.data_dir);
  fields.get("test_data", config.test_data_dir);
  if (json.contains("init_from")) fields.get("init_from", config.init_from);
  fields.get("out", out);
  config.out_dir = out;
  return config;
}

}  // namespace valley
