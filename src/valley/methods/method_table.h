// The table of methods: each method's name (the one constant the code uses
// for it), the settings groups it reads, and the devices it runs on. Each
// settings group is a field table (methods/settings_table.h) kept beside the
// code that reads it. A field applies to a method when its group is one of
// the method's: that is the scope the command line, experiment files and
// validation check.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valley/methods/method_config.h"
#include "valley/methods/method_names.h"
#include "valley/methods/settings_table.h"

namespace valley {

using MethodField = Field<MethodConfig>;

// A group of settings: its fields, and the checks that span several of them
// (run after each field's own check). Groups are checked whatever the method,
// as their defaults always pass.
struct SettingsGroup {
  std::string_view name;
  std::vector<MethodField> fields;
  void (*check)(const MethodConfig& config) = nullptr;
};

class Backend;
class Device;
class Method;

struct MethodInfo {
  std::string_view name;
  std::vector<const SettingsGroup*> groups;
  // The devices (--device) its update runs on: "cpu", and "cuda" and
  // "emulate" where the device path exists (docs/GPU.md).
  std::vector<std::string_view> devices;
  // Builds the method from checked settings (make_method, methods/method.h,
  // checks them and adds --sgd-first); `device` is null or one of `devices`.
  std::unique_ptr<Method> (*make)(const MethodConfig& config, const Backend& backend, Device* device);
};

// The methods, in the order --help and errors list them.
const std::vector<MethodInfo>& method_table();

// The method named `name`, or nullptr.
const MethodInfo* find_method(std::string_view name);

// "sgd, sgld, is, heat, sam, entropy-sgd"
std::string method_names();

// Every settings group, each once, in the order of the flags.
const std::vector<const SettingsGroup*>& settings_groups();

// Every field of every group, in the order of the flags.
const std::vector<MethodField>& method_fields();

// The group that holds `field`.
const SettingsGroup& group_of(const MethodField& field);

// Whether `field` means something for the method `method`. The common
// settings do for any name (an unknown one is validate's to name).
bool applies_to(const MethodField& field, std::string_view method);

// The group of the settings every method reads: method, seed, lr
// (methods/method_config.cpp). The other groups are declared beside their
// methods (sam_settings() in methods/sam.h, …).
const SettingsGroup& common_settings();

}  // namespace valley
