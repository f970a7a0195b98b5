#include "valley/methods/settings_table.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/core/overloaded.h"

namespace valley {
namespace {

// A number check that also checks a set optional number.
template <typename Number, typename Check>
FieldCheck number_check(Check check) {
  return [check](const FieldRef& value, const std::string& flag) {
    if (const auto* p = std::get_if<Number*>(&value)) return check(**p, flag);
    if (const auto* p = std::get_if<std::optional<Number>*>(&value)) {
      if (**p) check(***p, flag);
      return;
    }
    fail("{}: the check does not fit the setting's type", flag);
  };
}

// The methods compute in float: a setting > 0 that float rounds to 0 or a
// denormal (1e-320) would silently do nothing, and one beyond float's range
// would be infinite.
void fits_float(double v, const std::string& flag) {
  if (v < FLT_MIN)
    fail("{} is {:g}, too small for the float arithmetic it is used in (the smallest normal float is {:g})",
         flag, v, static_cast<double>(FLT_MIN));
  if (v > FLT_MAX)
    fail("{} is {:g}, too large for the float arithmetic it is used in (the largest float is {:g})", flag, v,
         static_cast<double>(FLT_MAX));
}

}  // namespace

std::string json_key(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string table_key(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

nlohmann::json field_json(const FieldRef& value) {
  return std::visit(
      [](auto* p) -> nlohmann::json {
        using T = std::remove_cvref_t<decltype(*p)>;
        if constexpr (std::is_same_v<T, std::optional<double>> || std::is_same_v<T, std::optional<int64_t>> ||
                      std::is_same_v<T, std::optional<bool>>)
          return *p ? nlohmann::json(**p) : nlohmann::json(nullptr);
        else
          return nlohmann::json(*p);
      },
      value);
}

bool field_equal(const FieldRef& a, const FieldRef& b) {
  return std::visit(
      [&b](auto* p) {
        using P = decltype(p);
        const auto* q = std::get_if<P>(&b);
        return q != nullptr && *p == **q;
      },
      a);
}

void read_field(const nlohmann::json& v, const FieldRef& out,
                const std::function<void(const char* expected)>& wrong_type) {
  const auto integer = [&]() -> int64_t {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX))
      wrong_type("an integer");
    return v.get<int64_t>();
  };
  const auto number = [&]() -> double {
    if (!v.is_number()) wrong_type("a number");
    return v.get<double>();
  };
  const auto boolean = [&]() -> bool {
    if (!v.is_boolean()) wrong_type("true or false");
    return v.get<bool>();
  };
  std::visit(Overloaded{
                 [&](double* p) { *p = number(); },
                 [&](int64_t* p) { *p = integer(); },
                 [&](uint64_t* p) {
                   if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<int64_t>() < 0))
                     wrong_type("an integer ≥ 0");
                   *p = v.get<uint64_t>();
                 },
                 [&](bool* p) { *p = boolean(); },
                 [&](std::string* p) {
                   if (!v.is_string()) wrong_type("a string");
                   *p = v.get<std::string>();
                 },
                 [&](std::optional<double>* p) {
                   if (v.is_null())
                     p->reset();
                   else
                     *p = number();
                 },
                 [&](std::optional<int64_t>* p) {
                   if (v.is_null())
                     p->reset();
                   else
                     *p = integer();
                 },
                 [&](std::optional<bool>* p) {
                   if (v.is_null())
                     p->reset();
                   else
                     *p = boolean();
                 },
                 [&](std::vector<int64_t>* p) {
                   if (!v.is_array()) wrong_type("an array of integers");
                   std::vector<int64_t> values;
                   for (const nlohmann::json& e : v) {
                     if (!e.is_number_integer()) wrong_type("an array of integers");
                     values.push_back(e.get<int64_t>());
                   }
                   *p = std::move(values);
                 },
             },
             out);
}

std::string field_text(const FieldRef& value) {
  const nlohmann::json json = field_json(value);
  if (json.is_string()) return json.get<std::string>();
  if (json.is_array()) {
    std::vector<std::string> parts;
    for (const nlohmann::json& e : json) parts.push_back(e.dump());
    return fmt::format("{}", fmt::join(parts, ","));
  }
  return json.dump();
}

namespace check {

FieldCheck positive() {
  return number_check<double>([](double v, const std::string& flag) {
    if (!(std::isfinite(v) && v > 0)) fail("{} must be a finite number > 0 (got {})", flag, v);
    fits_float(v, flag);
  });
}

FieldCheck positive_in_double() {
  return number_check<double>([](double v, const std::string& flag) {
    if (!(std::isfinite(v) && v > 0)) fail("{} must be a finite number > 0 (got {})", flag, v);
  });
}

FieldCheck positive_up_to(double high, std::string_view why) {
  return number_check<double>([high, why = std::string(why)](double v, const std::string& flag) {
    if (!(std::isfinite(v) && v > 0)) fail("{} must be a finite number > 0 (got {})", flag, v);
    if (v > high) fail("{} must be ≤ {:g} (got {:g}): {}", flag, high, v, why);
    fits_float(v, flag);
  });
}

FieldCheck non_negative() {
  return number_check<double>([](double v, const std::string& flag) {
    if (!(std::isfinite(v) && v >= 0)) fail("{} must be a finite number ≥ 0 (got {})", flag, v);
    if (v != 0) fits_float(v, flag);
  });
}

FieldCheck at_least(int64_t low) {
  return number_check<int64_t>([low](int64_t v, const std::string& flag) {
    if (v < low) fail("{} must be ≥ {} (got {})", flag, low, v);
  });
}

FieldCheck between(int64_t low, int64_t high, std::string_view high_text) {
  const std::string shown = high_text.empty() ? std::to_string(high) : std::string(high_text);
  return number_check<int64_t>([low, high, shown](int64_t v, const std::string& flag) {
    if (v < low || v > high) fail("{} must be between {} and {} (got {})", flag, low, shown, v);
  });
}

FieldCheck lies_in(std::string_view interval, bool (*inside)(double)) {
  return number_check<double>([interval = std::string(interval), inside](double v, const std::string& flag) {
    if (!inside(v)) fail("{} must lie in {} (got {})", flag, interval, v);
    if (v != 0) fits_float(std::fabs(v), flag);
  });
}

FieldCheck one_of(std::vector<std::string_view> values) {
  return [values](const FieldRef& value, const std::string& flag) {
    const std::string& v = *std::get<std::string*>(value);
    if (std::find(values.begin(), values.end(), v) != values.end()) return;
    std::string list;
    for (std::size_t i = 0; i < values.size(); ++i)
      list += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + fmt::format("'{}'", values[i]);
    fail("{} must be {} (got '{}')", flag, list, v);
  };
}

}  // namespace check
}  // namespace valley
