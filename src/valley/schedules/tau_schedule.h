// The regularization parameter τ over outer updates k (§6.5):
//   const            τ(k) = τ
//   scoping          τ(k) = τ0 / (1 + τ1)^k      (eq. 18: large to small)
//   reverse-scoping  τ(k) = τ0 · (1 + τ1)^k      (small to large)
#pragma once

#include <cstdint>
#include <string>

namespace valley {

struct TauSchedule {
  enum class Kind { constant, scoping, reverse_scoping };
  Kind kind = Kind::constant;
  double tau_0 = 0.01;  // τ, or τ0 of a scoping schedule
  double tau_1 = 0.0;   // the rate τ1 of a scoping schedule

  double tau(uint64_t k) const;

  // "const", "scoping", "reverse-scoping"; errors name --tau-schedule.
  static Kind parse_kind(const std::string& name);
  std::string kind_name() const;
};

}  // namespace valley
