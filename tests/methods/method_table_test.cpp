#include "valley/methods/method_table.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "valley/core/error.h"

namespace valley {
namespace {

std::string validate_error(const MethodConfig& config) {
  try {
    validate(config);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(MethodTable, NamesAreUniqueAndListedInOrder) {
  EXPECT_EQ(method_names(), "sgd, sgld, is, heat, sam, entropy-sgd");
  for (const MethodInfo& method : method_table()) {
    EXPECT_EQ(find_method(method.name), &method);
    EXPECT_EQ(method.groups.front(), &common_settings()) << method.name;
    EXPECT_NE(std::find(method.devices.begin(), method.devices.end(), "cpu"), method.devices.end());
  }
  EXPECT_EQ(find_method("entropy_sgd"), nullptr);
}

TEST(MethodTable, EachKeyHasOneFieldAndHelp) {
  std::set<std::string> keys;
  for (const MethodField& field : method_fields()) {
    EXPECT_TRUE(keys.insert(std::string(field.key)).second) << field.key;
    EXPECT_FALSE(field.help.empty()) << field.key;
    EXPECT_EQ(find_field<MethodConfig>(method_fields(), json_key(field.key)), &field);
  }
}

// The methods each flag applied to when the scopes were written out by hand
// in the command line's flag list.
TEST(MethodTable, ScopesAreTheFlagsOldScopes) {
  const std::set<std::string> all = {"sgd", "sgld", "is", "heat", "sam", "entropy-sgd"};
  const std::set<std::string> regularized = {"sgld", "is", "heat"};
  const std::set<std::string> base = {"sgd", "sam", "entropy-sgd"};
  const std::map<std::string, std::set<std::string>> scopes = {
      {"method", all},
      {"seed", all},
      {"lr", all},
      {"tau", regularized},
      {"tau-schedule", regularized},
      {"tau0", regularized},
      {"tau1", regularized},
      {"eta", {"sgld", "is"}},
      {"samples", regularized},
      {"eps0", {"sgld"}},
      {"sgld-noise", {"sgld"}},
      {"sgld-chains", {"sgld"}},
      {"beta", {"is"}},
      {"rm-iters", {"heat"}},
      {"rm-samples", {"heat"}},
      {"rm-c", {"heat"}},
      {"rm-alpha", {"heat"}},
      {"sampler", regularized},
      {"sgd-first", regularized},
      {"momentum", base},
      {"nesterov", base},
      {"weight-decay", base},
      {"lr-drops", base},
      {"lr-drop-epochs", base},
      {"lr-drop-factor", base},
      {"rho", {"sam"}},
      {"adaptive", {"sam"}},
      {"asam-eta", {"sam"}},
      {"L", {"entropy-sgd"}},
      {"gamma0", {"entropy-sgd"}},
      {"gamma1", {"entropy-sgd"}},
      {"noise", {"entropy-sgd"}},
      {"inner-lr", {"entropy-sgd"}},
      {"beta1", {"entropy-sgd"}},
      {"covariance", {"is", "sgld"}},
      {"tau-min", {"is", "sgld"}},
      {"tau-max", {"is", "sgld"}},
  };
  EXPECT_EQ(method_fields().size(), scopes.size());
  for (const MethodField& field : method_fields()) {
    const auto scope = scopes.find(std::string(field.key));
    ASSERT_NE(scope, scopes.end()) << field.key;
    for (const std::string& method : all)
      EXPECT_EQ(applies_to(field, method), scope->second.count(method) == 1) << field.key << " " << method;
  }
}

TEST(MethodTable, DefaultsPassTheirChecksAndBadValuesNameTheFlag) {
  for (const MethodInfo& method : method_table()) {
    MethodConfig config;
    config.name = method.name;
    EXPECT_EQ(validate_error(config), "") << method.name;
  }
  MethodConfig config;
  config.heat.n_iterations = 0;
  EXPECT_EQ(validate_error(config), "--rm-iters must be ≥ 1 (got 0)");
  config = {};
  config.n_samples = 0;
  EXPECT_EQ(validate_error(config), "--samples must be between 1 and 10^8 (got 0)");
  config = {};
  config.sgld.noise = "loud";
  EXPECT_EQ(validate_error(config), "--sgld-noise must be 'variance' or 'stddev' (got 'loud')");
  config = {};
  config.sampler = "half";
  EXPECT_EQ(validate_error(config), "--sampler must be 'auto', 'full' or 'projected' (got 'half')");
  config = {};
  config.entropy_sgd.n_langevin = 0;
  EXPECT_EQ(validate_error(config), "--L (Langevin steps) must be between 1 and 100000 (got 0)");
  config = {};
  config.heat.alpha = 0.5;
  EXPECT_EQ(validate_error(config), "--rm-alpha must lie in (1/2, 1] (got 0.5)");
  config = {};
  config.base.lr_drops = {0};
  EXPECT_EQ(validate_error(config), "--lr-drops: every update must be ≥ 1 (got 0)");
  config = {};
  config.name = "sgld";
  config.base.weight_decay = 0.1;
  EXPECT_EQ(validate_error(config), "--weight-decay does not apply to --method sgld");
  config = {};
  config.name = "adam";
  EXPECT_EQ(validate_error(config),
            "--method: unknown method 'adam' (valid: sgd, sgld, is, heat, sam, entropy-sgd)");
}

}  // namespace
}  // namespace valley
