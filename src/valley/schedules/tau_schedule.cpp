#include "valley/schedules/tau_schedule.h"

#include <cmath>

#include "valley/core/error.h"

namespace valley {

double TauSchedule::tau(uint64_t k) const {
  switch (kind) {
    case Kind::constant:
      return tau_0;
    case Kind::scoping:
      return tau_0 / std::pow(1.0 + tau_1, static_cast<double>(k));  // eq. 18
    case Kind::reverse_scoping:
      return tau_0 * std::pow(1.0 + tau_1, static_cast<double>(k));
  }
  return tau_0;
}

TauSchedule::Kind TauSchedule::parse_kind(const std::string& name) {
  if (name == "const") return Kind::constant;
  if (name == "scoping") return Kind::scoping;
  if (name == "reverse-scoping") return Kind::reverse_scoping;
  fail("--tau-schedule: unknown schedule '{}' (valid: const, scoping, reverse-scoping)", name);
}

std::string TauSchedule::kind_name() const {
  switch (kind) {
    case Kind::constant:
      return "const";
    case Kind::scoping:
      return "scoping";
    case Kind::reverse_scoping:
      return "reverse-scoping";
  }
  return "const";
}

}  // namespace valley
