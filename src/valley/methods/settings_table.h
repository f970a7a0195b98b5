// Field tables: each setting written once. A settings struct (MethodConfig's
// groups, TrainConfig) owns a table of its fields — key, member, help, check
// — and the command line (options/flags.cpp), config.json
// (train/train_config.cpp), experiment files (reproduce/run_settings.cpp),
// validation (methods/make_method.cpp) and Python (python/) iterate it. The
// default is the member's initializer in the struct, read from a
// default-constructed one; it is not restated here.
//
// One spelling per key: the table holds the flag's name without its dashes,
// "rm-iters". The command line writes it --rm-iters; JSON and Python write it
// with '_' for '-', "rm_iters" (config.json has always spelled it so);
// experiment files have spelled it as the flag, "rm-iters". Readers of JSON
// accept both spellings (json_key, find_field).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace valley {

// Where a field lives in one settings struct, by its type.
using FieldRef = std::variant<double*, int64_t*, uint64_t*, bool*, std::string*, std::optional<double>*,
                              std::optional<int64_t>*, std::optional<bool>*, std::vector<int64_t>*>;

// Checks one field's value; `flag` is "--key". Throws valley::Error with a
// one-line message naming the flag.
using FieldCheck = std::function<void(const FieldRef& value, const std::string& flag)>;

template <typename Config>
struct Field {
  std::string_view key;     // the flag without "--": "rm-iters"
  FieldRef (*at)(Config&);  // the member
  std::string_view help;    // --help, Python's docstrings
  FieldCheck check = {};    // none: any value of the type
  // Settings saved before this field existed lack it: reading them, absent
  // means the default. Other fields must be present in a config.json.
  bool added_later = false;
  // Written to config.json only when it differs from the default, so that
  // runs which do not use it record the settings they recorded before it
  // existed (and keep resuming and reproducing).
  bool written_when_default = true;
  // An experiment file may set it (the seed, for one, comes from `valley
  // reproduce --seeds`).
  bool in_experiments = true;
  // A std::optional<bool> is two flags: --key (true) and --no-key (false),
  // whose help this is.
  std::string_view negated_help = "";
};

// "rm-iters" → "rm_iters": the key as config.json and Python spell it.
std::string json_key(std::string_view key);

// The key as the table spells it, for a key spelt either way.
std::string table_key(std::string_view key);

// Finds the field named `key` (either spelling) or returns nullptr.
template <typename Config>
const Field<Config>* find_field(std::span<const Field<Config>> fields, std::string_view key) {
  const std::string name = table_key(key);
  for (const Field<Config>& field : fields)
    if (field.key == name) return &field;
  return nullptr;
}

// The field's value as JSON (null for an unset optional).
nlohmann::json field_json(const FieldRef& value);

// Whether two values of one field are equal.
bool field_equal(const FieldRef& a, const FieldRef& b);

// Sets the field from JSON; a null sets an optional to unset. A value of the
// wrong type calls wrong_type with what was expected ("a number"), which
// must throw.
void read_field(const nlohmann::json& value, const FieldRef& out,
                const std::function<void(const char* expected)>& wrong_type);

// The value as the command line would print it ("0.01", "variance", "3,7").
std::string field_text(const FieldRef& value);

// Field checks with the one-line messages the flags have always had.
namespace check {
// The methods compute in float, so a real > 0 must also be a normal float:
// within [FLT_MIN, FLT_MAX] ≈ [1.2e-38, 3.4e38].
FieldCheck positive();      // a finite number > 0
FieldCheck non_negative();  // a finite number ≥ 0 (0, or > 0 as above)
// A finite number > 0, for a setting used in double only (IS's β): any
// double the command line reads (refuse_out_of_range refuses denormals).
FieldCheck positive_in_double();
// A scale > 0 as positive() and ≤ high; `why` says where the bound comes from.
FieldCheck positive_up_to(double high, std::string_view why);
FieldCheck at_least(int64_t low);  // "must be ≥ 1"
FieldCheck between(int64_t low, int64_t high, std::string_view high_text = {});
// A number in an interval written as `interval` ("[0, 1)"), as `inside` decides.
FieldCheck lies_in(std::string_view interval, bool (*inside)(double));
FieldCheck one_of(std::vector<std::string_view> values);  // "'a', 'b' or 'c'"
}  // namespace check

}  // namespace valley
