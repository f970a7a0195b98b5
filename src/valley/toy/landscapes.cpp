#include "valley/toy/landscapes.h"

#include <cmath>
#include <numbers>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "valley/core/error.h"

namespace valley {
namespace {

// Eight starts on a circle of radius 2.4 about the origin, between the axes.
std::vector<Eigen::Vector2d> ring_of_starts() {
  std::vector<Eigen::Vector2d> starts;
  for (int i = 0; i < 8; ++i) {
    const double angle = std::numbers::pi * (0.125 + 0.25 * i);
    starts.emplace_back(2.4 * std::cos(angle), 2.4 * std::sin(angle));
  }
  return starts;
}

Landscape wells() {
  Landscape out;
  out.name = "wells";
  out.description =
      "a sharp deep well (depth 3.5, width 0.12) and a wide shallower well (depth 2, width 0.75) in the bowl "
      "0.075|x|²";
  out.loss.a = 0.15 * Eigen::Matrix2d::Identity();
  out.loss.wells = {{{-1.0, 0.6}, 3.5, 0.12}, {{1.1, -0.4}, 2.0, 0.75}};
  out.lower = {-3.0, -3.0};
  out.upper = {3.0, 3.0};
  out.starts = ring_of_starts();
  return out;
}

Landscape field() {
  Landscape out;
  out.name = "field";
  out.description = "nine wells of depths 1.2–3 and widths 0.1–0.9 in the bowl 0.05|x|²";
  out.loss.a = 0.1 * Eigen::Matrix2d::Identity();
  out.loss.wells = {
      {{-1.8, 1.6}, 2.0, 0.15}, {{-0.6, 1.9}, 1.2, 0.5}, {{1.2, 1.5}, 2.5, 0.12},
      {{1.9, 0.2}, 1.5, 0.6},   {{0.2, 0.3}, 1.8, 0.9},  {{-1.5, -0.3}, 2.8, 0.13},
      {{-0.8, -1.7}, 1.4, 0.7}, {{1.0, -1.5}, 2.2, 0.2}, {{2.0, -2.0}, 3.0, 0.1},
  };
  out.lower = {-3.0, -3.0};
  out.upper = {3.0, 3.0};
  out.starts = ring_of_starts();
  return out;
}

Landscape bowl() {
  Landscape out;
  out.name = "bowl";
  out.description = "the quadratic ½(x − m)ᵀA(x − m), A = [1.5 0.5; 0.5 0.6], m = (0.3, −0.2)";
  out.loss.a << 1.5, 0.5, 0.5, 0.6;
  out.loss.m = {0.3, -0.2};
  out.lower = {-3.0, -3.0};
  out.upper = {3.0, 3.0};
  out.starts = ring_of_starts();
  return out;
}

}  // namespace

std::vector<std::string> landscape_names() { return {"wells", "field", "bowl"}; }

Landscape make_landscape(const std::string& name) {
  if (name == "wells") return wells();
  if (name == "field") return field();
  if (name == "bowl") return bowl();
  fail("--loss: unknown loss '{}' (valid: {})", name, fmt::join(landscape_names(), ", "));
}

}  // namespace valley
