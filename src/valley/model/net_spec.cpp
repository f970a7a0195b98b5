#include "valley/model/net_spec.h"

#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "valley/core/error.h"

namespace valley {

NetSpec NetSpec::parse(std::string_view text, std::string_view flag) {
  NetSpec spec;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = text.find('-', start);
    const std::string_view part = text.substr(start, dash == std::string_view::npos ? dash : dash - start);
    int width = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), width);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size())
      fail("{}: cannot read '{}' as layer widths like 784-200-10", flag, text);
    if (width <= 0) fail("{}: layer width must be ≥ 1 (got {} in '{}')", flag, width, text);
    if (width > 1'000'000) fail("{}: layer width {} is too large (in '{}')", flag, width, text);
    spec.widths.push_back(width);
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (spec.widths.size() < 2)
    fail("{}: need at least an input and an output width, like 784-10 (got '{}')", flag, text);
  if (spec.n_outputs() < 2) fail("{}: need at least 2 outputs (classes) (got '{}')", flag, text);
  if (spec.n_params() > (int64_t{1} << 31))
    fail("{}: '{}' has {} parameters, more than valley supports", flag, text, spec.n_params());
  return spec;
}

int64_t NetSpec::n_params() const {
  int64_t n = 0;
  for (int l = 1; l <= n_layers(); ++l) n += static_cast<int64_t>(widths[l - 1]) * widths[l] + widths[l];
  return n;
}

int64_t NetSpec::weights_offset(int layer) const {
  int64_t offset = 0;
  for (int l = 1; l < layer; ++l) offset += static_cast<int64_t>(widths[l - 1]) * widths[l] + widths[l];
  return offset;
}

int64_t NetSpec::bias_offset(int layer) const {
  return weights_offset(layer) + static_cast<int64_t>(widths[layer - 1]) * widths[layer];
}

std::string NetSpec::str() const { return fmt::format("{}", fmt::join(widths, "-")); }

}  // namespace valley
