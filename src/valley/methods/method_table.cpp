#include "valley/methods/method_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/methods/base_optimizer.h"
#include "valley/methods/entropy_sgd.h"
#include "valley/methods/heat.h"
#include "valley/methods/local_entropy.h"
#include "valley/methods/sam.h"
#include "valley/methods/sgd.h"

namespace valley {

const std::vector<MethodInfo>& method_table() {
  using namespace method_name;
  const std::vector<std::string_view> everywhere = {"cpu", "cuda", "emulate"};
  static const std::vector<MethodInfo> table = {
      {kSgd, {&common_settings(), &base_settings()}, everywhere, &make_sgd},
      {kSgld,
       {&common_settings(), &regularized_settings(), &local_entropy_settings(), &sgld_settings()},
       everywhere,
       &make_sgld},
      {kIs,
       {&common_settings(), &regularized_settings(), &local_entropy_settings(), &is_settings()},
       everywhere,
       &make_is},
      {kHeat, {&common_settings(), &regularized_settings(), &heat_settings()}, everywhere, &make_heat},
      {kSam, {&common_settings(), &base_settings(), &sam_settings()}, {"cpu"}, &make_sam},
      {kEntropySgd,
       {&common_settings(), &base_settings(), &entropy_sgd_settings()},
       {"cpu"},
       &make_entropy_sgd},
  };
  return table;
}

const MethodInfo* find_method(std::string_view name) {
  for (const MethodInfo& method : method_table())
    if (method.name == name) return &method;
  return nullptr;
}

std::string method_names() {
  std::vector<std::string_view> names;
  for (const MethodInfo& method : method_table()) names.push_back(method.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

const std::vector<const SettingsGroup*>& settings_groups() {
  static const std::vector<const SettingsGroup*> groups = [] {
    std::vector<const SettingsGroup*> out = {&common_settings(), &regularized_settings(),
                                             &local_entropy_settings()};
    for (const MethodInfo& method : method_table())
      for (const SettingsGroup* group : method.groups)
        if (std::find(out.begin(), out.end(), group) == out.end()) out.push_back(group);
    return out;
  }();
  return groups;
}

const std::vector<MethodField>& method_fields() {
  static const std::vector<MethodField> fields = [] {
    std::vector<MethodField> out;
    for (const SettingsGroup* group : settings_groups())
      out.insert(out.end(), group->fields.begin(), group->fields.end());
    return out;
  }();
  return fields;
}

const SettingsGroup& group_of(const MethodField& field) {
  for (const SettingsGroup* group : settings_groups())
    for (const MethodField& f : group->fields)
      if (f.key == field.key) return *group;
  fail("--{}: a setting of no group", field.key);
}

bool applies_to(const MethodField& field, std::string_view method) {
  const SettingsGroup* group = &group_of(field);
  if (group == &common_settings()) return true;  // (an unknown --method is validate's to name)
  const MethodInfo* info = find_method(method);
  return info != nullptr && std::find(info->groups.begin(), info->groups.end(), group) != info->groups.end();
}

}  // namespace valley
