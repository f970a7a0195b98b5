#include "valley/reproduce/run_settings.h"

#include <functional>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "valley/core/error.h"

namespace valley {
namespace {

int64_t as_integer(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number_integer()) fail("{}: expected an integer (got {})", where, value.dump());
  return value.get<int64_t>();
}

double as_number(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number()) fail("{}: expected a number (got {})", where, value.dump());
  return value.get<double>();
}

std::string as_string(const nlohmann::json& value, const std::string& where) {
  if (!value.is_string()) fail("{}: expected a string (got {})", where, value.dump());
  return value.get<std::string>();
}

bool as_bool(const nlohmann::json& value, const std::string& where) {
  if (!value.is_boolean()) fail("{}: expected true or false (got {})", where, value.dump());
  return value.get<bool>();
}

using Setter = std::function<void(const nlohmann::json&, const std::string&, TrainConfig&)>;

// A settings key, the methods it means something for (empty: all), and how
// it sets the config.
struct Key {
  std::string name;
  std::set<std::string> methods;
  Setter set;
};

Setter integer(int64_t TrainConfig::*field) {
  return [field](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
    c.*field = as_integer(v, w);
  };
}

Setter text(std::string TrainConfig::*field) {
  return [field](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
    c.*field = as_string(v, w);
  };
}

Setter method_number(double& (*field)(MethodConfig&)) {
  return [field](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
    field(c.method) = as_number(v, w);
  };
}

const std::vector<Key>& keys() {
  const std::set<std::string> all;
  const std::set<std::string> regularized = {"sgld", "is", "heat"};
  const std::set<std::string> base = {"sgd", "sam", "entropy-sgd"};
  static const std::vector<Key> table = {
      {"method", all,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) { c.method.name = as_string(v, w); }},
      {"net", all, text(&TrainConfig::net)},
      {"updates", all, integer(&TrainConfig::n_updates)},
      {"batch", all, integer(&TrainConfig::batch_size)},
      {"eval-every", all, integer(&TrainConfig::eval_every)},
      {"eval-size", all, integer(&TrainConfig::eval_size)},
      {"inner-batch", all, text(&TrainConfig::inner_batch)},
      {"lr", all, method_number([](MethodConfig& m) -> double& { return m.sgd.lr; })},
      {"tau", regularized, method_number([](MethodConfig& m) -> double& { return m.regularization.tau; })},
      {"tau-schedule", regularized,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.regularization.schedule = as_string(v, w);
       }},
      {"tau0", regularized,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.regularization.tau_0 = as_number(v, w);
       }},
      {"tau1", regularized, method_number([](MethodConfig& m) -> double& { return m.regularization.tau_1; })},
      {"eta", {"sgld", "is"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.regularization.eta = as_number(v, w);
       }},
      {"samples", regularized,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.n_samples = as_integer(v, w);
       }},
      {"eps0", {"sgld"}, method_number([](MethodConfig& m) -> double& { return m.sgld.eps_0; })},
      {"sgld-noise", {"sgld"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) { c.method.sgld.noise = as_string(v, w); }},
      {"sgld-chains", {"sgld"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) { c.method.sgld.chains = as_integer(v, w); }},
      {"beta", {"is"}, method_number([](MethodConfig& m) -> double& { return m.is.beta; })},
      {"rm-iters", {"heat"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.heat.n_iterations = as_integer(v, w);
       }},
      {"rm-samples", {"heat"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.heat.n_draws = as_integer(v, w);
       }},
      {"rm-c", {"heat"}, method_number([](MethodConfig& m) -> double& { return m.heat.c; })},
      {"rm-alpha", {"heat"}, method_number([](MethodConfig& m) -> double& { return m.heat.alpha; })},
      {"sampler", regularized,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) { c.method.sampler = as_string(v, w); }},
      {"sgd-first", regularized,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.sgd_first = as_integer(v, w);
       }},
      {"momentum", base,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.base.momentum = as_number(v, w);
       }},
      {"nesterov", base,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.base.nesterov = as_bool(v, w);
       }},
      {"no-nesterov", base,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         if (!as_bool(v, w)) fail("{}: only true is meaningful (for Nesterov, set \"nesterov\": true)", w);
         c.method.base.nesterov = false;
       }},
      {"weight-decay", base, method_number([](MethodConfig& m) -> double& { return m.base.weight_decay; })},
      {"lr-drops", base,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         if (!v.is_array()) fail("{}: expected an array of updates (got {})", w, v.dump());
         c.method.base.lr_drops.clear();
         for (const nlohmann::json& e : v) c.method.base.lr_drops.push_back(as_integer(e, w));
       }},
      {"lr-drop-epochs", base,
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         if (!v.is_array()) fail("{}: expected an array of epochs (got {})", w, v.dump());
         c.method.base.lr_drop_epochs.clear();
         for (const nlohmann::json& e : v) c.method.base.lr_drop_epochs.push_back(as_integer(e, w));
       }},
      {"lr-drop-factor", base, method_number([](MethodConfig& m) -> double& { return m.base.lr_drop_factor; })},
      {"rho", {"sam"}, method_number([](MethodConfig& m) -> double& { return m.sam.rho; })},
      {"adaptive", {"sam"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) { c.method.sam.adaptive = as_bool(v, w); }},
      {"asam-eta", {"sam"}, method_number([](MethodConfig& m) -> double& { return m.sam.asam_eta; })},
      {"L", {"entropy-sgd"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) {
         c.method.entropy_sgd.n_langevin = as_integer(v, w);
       }},
      {"gamma0", {"entropy-sgd"}, method_number([](MethodConfig& m) -> double& { return m.entropy_sgd.gamma_0; })},
      {"gamma1", {"entropy-sgd"}, method_number([](MethodConfig& m) -> double& { return m.entropy_sgd.gamma_1; })},
      {"noise", {"entropy-sgd"}, method_number([](MethodConfig& m) -> double& { return m.entropy_sgd.noise; })},
      {"inner-lr", {"entropy-sgd"}, method_number([](MethodConfig& m) -> double& { return m.entropy_sgd.inner_lr; })},
      {"covariance", {"is", "sgld"},
       [](const nlohmann::json& v, const std::string& w, TrainConfig& c) { c.method.covariance.kind = as_string(v, w); }},
      {"tau-min", {"is", "sgld"}, method_number([](MethodConfig& m) -> double& { return m.covariance.tau_min; })},
      {"tau-max", {"is", "sgld"}, method_number([](MethodConfig& m) -> double& { return m.covariance.tau_max; })},
      {"beta1", {"entropy-sgd"}, method_number([](MethodConfig& m) -> double& { return m.entropy_sgd.beta_1; })},
  };
  return table;
}

const Key& find_key(const std::string& name, const std::string& where) {
  for (const Key& key : keys())
    if (key.name == name) return key;
  if (name == "seed" || name == "data" || name == "test-data" || name == "threads" || name == "device" ||
      name == "out")
    fail("{}: '{}' is not set by the experiment file but by `valley reproduce` (--seeds, --data, "
         "--test-data, --threads, --device, --out)",
         where, name);
  fail("{}: unknown key '{}' (valid: {})", where, name, fmt::join(run_setting_keys(), ", "));
}

}  // namespace

std::vector<std::string> run_setting_keys() {
  std::vector<std::string> names;
  for (const Key& key : keys()) names.push_back(key.name);
  return names;
}

void apply_run_settings(const nlohmann::json& settings, const std::string& where,
                        TrainConfig& config) {
  if (!settings.is_object()) fail("{}: expected an object (got {})", where, settings.type_name());
  for (const auto& [name, value] : settings.items())
    find_key(name, where).set(value, where + "." + name, config);
}

void check_settings_apply(const nlohmann::json& settings, const std::string& method,
                          const std::string& where) {
  for (const auto& [name, value] : settings.items()) {
    const Key& key = find_key(name, where);
    if (!key.methods.empty() && key.methods.count(method) == 0)
      fail("{}.{}: does not apply to method '{}'", where, name, method);
  }
}

}  // namespace valley
