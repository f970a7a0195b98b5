// The names of the methods, as users type them (--method) and the code
// compares them: one constant each. The table of methods
// (methods/method_table.h) gives each its settings groups and devices.
#pragma once

#include <string_view>

namespace valley::method_name {

inline constexpr std::string_view kSgd = "sgd";
inline constexpr std::string_view kSgld = "sgld";
inline constexpr std::string_view kIs = "is";
inline constexpr std::string_view kHeat = "heat";
inline constexpr std::string_view kSam = "sam";
inline constexpr std::string_view kEntropySgd = "entropy-sgd";

}  // namespace valley::method_name
