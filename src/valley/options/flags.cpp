#include "valley/options/flags.h"

#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "valley/backends/device.h"
#include "valley/core/error.h"
#include "valley/core/overloaded.h"
#include "valley/devices/device_registry.h"
#include "valley/methods/method_table.h"

namespace valley::cli {
namespace {

// An option and the field it sets.
struct Scoped {
  CLI::Option* option;
  const MethodField* field;
};

// Registers `field` as the options --key (and --no-key for a yes/no that
// may be left unset); `target` is the field in the config being parsed.
std::vector<CLI::Option*> add_field(CLI::App& cmd, const MethodField& field, FieldRef target);

}  // namespace

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const std::size_t first = value.find_first_not_of(" \t");
        if (first != std::string::npos && value[first] == '-') return "must be ≥ 0 (got " + value + ")";
        return {};
      },
      "≥ 0");
}

namespace {

constexpr const char* kInRange = "in-range";

// What is wrong with `text` as a value of CLI11's `type`, or nothing; a text
// that is not a number at all is left to CLI11's own conversion error.
std::string range_problem(const std::string& type, const std::string& text) {
  if (text.empty()) return {};
  char* end = nullptr;
  errno = 0;
  if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) {
    // CLI11 reads 010 as octal and 0x10, 0o10, 0b10 with their radix: a count
    // written with a leading 0 would silently become another number.
    std::size_t i = text.find_first_not_of(" \t");
    if (i != std::string::npos && (text[i] == '+' || text[i] == '-')) ++i;
    if (i + 1 < text.size() && text[i] == '0' && std::isalnum(static_cast<unsigned char>(text[i + 1])))
      return fmt::format("{} is not a decimal integer (write it without a leading 0)", text);
  }
  if (type.rfind("UINT", 0) == 0) {
    std::strtoull(text.c_str(), &end, 0);
    if (errno == ERANGE)
      return fmt::format("{} is beyond the largest value, {}", text, std::numeric_limits<uint64_t>::max());
  } else if (type.rfind("INT", 0) == 0) {
    const long long v = std::strtoll(text.c_str(), &end, 0);
    if (errno == ERANGE)
      return v < 0 ? fmt::format("{} is beyond the smallest value, {}", text,
                                 std::numeric_limits<int64_t>::min())
                   : fmt::format("{} is beyond the largest value, {}", text,
                                 std::numeric_limits<int64_t>::max());
  } else if (type.rfind("FLOAT", 0) == 0) {
    const double v = std::strtod(text.c_str(), &end);
    if (errno == ERANGE && std::fabs(v) > 1)
      return fmt::format("{} is beyond the largest number, {:g}", text, DBL_MAX);
    if (errno == ERANGE || (v != 0 && std::fabs(v) < DBL_MIN))
      return fmt::format("{} is too close to 0 to be told from it (the smallest normal number is {:g})", text,
                         DBL_MIN);
  }
  return {};
}

}  // namespace

void refuse_out_of_range(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    if (type.rfind("INT", 0) != 0 && type.rfind("UINT", 0) != 0 && type.rfind("FLOAT", 0) != 0) continue;
    try {
      option->get_validator(kInRange);
      continue;  // already checked
    } catch (const CLI::OptionNotFound&) {
    }
    option->check(
        CLI::Validator([type](std::string& value) { return range_problem(type, value); }, "", kInRange));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) refuse_out_of_range(*sub);
}

void add_device_flag(CLI::App& cmd, std::string& device) {
  cmd.add_option("--device", device,
                 "cpu; cuda: run each update on the first CUDA GPU (sgd, is, sgld and heat, so "
                 "far; docs/GPU.md); emulate: the GPU path's kernels on this CPU, one thread (slow: "
                 "for checking the GPU path without a GPU)")
      ->capture_default_str();
}

void require_device(const std::string& device) {
  if (device != "cpu") make_device(device);
}

namespace {

std::vector<CLI::Option*> add_field(CLI::App& cmd, const MethodField& field, FieldRef target) {
  const std::string name = "--" + std::string(field.key);
  const std::string help(field.help);
  // A default fixed in the struct is shown by --help; an optional one depends
  // on other settings and stays unset until given.
  return std::visit(
      Overloaded{
          [&](bool* p) -> std::vector<CLI::Option*> { return {cmd.add_flag(name, *p, help)}; },
          [&](uint64_t* p) -> std::vector<CLI::Option*> {
            return {cmd.add_option(name, *p, help)->capture_default_str()->check(non_negative())};
          },
          [&](std::vector<int64_t>* p) -> std::vector<CLI::Option*> {
            return {cmd.add_option(name, *p, help)->delimiter(',')};
          },
          [&](std::optional<bool>* p) -> std::vector<CLI::Option*> {
            return {
                cmd.add_flag_callback(
                    name, [p] { *p = true; }, help),
                cmd.add_flag_callback(
                    "--no-" + std::string(field.key), [p] { *p = false; }, std::string(field.negated_help))};
          },
          [&]<typename T>(std::optional<T>* p) -> std::vector<CLI::Option*> {
            return {cmd.add_option_function<T>(
                name, [p](const T& value) { *p = value; }, help)};
          },
          [&](auto* p) -> std::vector<CLI::Option*> {
            return {cmd.add_option(name, *p, help)->capture_default_str()};
          },
      },
      target);
}

}  // namespace

void add_method_flags(CLI::App& cmd, MethodConfig& config) {
  // Every setting of every method's groups (methods/method_table.h), each
  // remembering its field for the check below.
  std::vector<Scoped> scoped;
  for (const MethodField& field : method_fields())
    for (CLI::Option* option : add_field(cmd, field, field.at(config))) scoped.push_back({option, &field});
  // A flag that the chosen method ignores would be a silent mistake.
  // With `train --resume` the method comes from the checkpoint, and the
  // trainer checks each flag given against it instead.
  cmd.parse_complete_callback([&cmd, &config, scoped = std::move(scoped)] {
    const CLI::Option* resume = cmd.get_option_no_throw("--resume");
    if (resume != nullptr && resume->count() > 0) return;
    for (const Scoped& s : scoped)
      if (s.option->count() > 0 && !applies_to(*s.field, config.name))
        fail("{} does not apply to --method {}", s.option->get_name(), config.name);
    for (const char* flag : {"--tau-min", "--tau-max"})
      if (cmd.get_option(flag)->count() > 0 && config.covariance.kind != "diag")
        fail("{} clips the variances of --covariance diag; it does not apply to --covariance {}", flag,
             config.covariance.kind);
  });
}

}  // namespace valley::cli
