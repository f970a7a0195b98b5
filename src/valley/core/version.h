#pragma once

namespace valley {

inline constexpr const char* kVersion = VALLEY_VERSION;

}  // namespace valley
