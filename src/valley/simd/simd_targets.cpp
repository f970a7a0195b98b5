#include "valley/simd/simd_targets.h"

#include "valley/simd/hwy_targets.h"  // before any Highway header

#include <hwy/highway.h>
#include <hwy/targets.h>

namespace valley {

std::vector<int64_t> available_simd_targets() {
  // Highway lists the lowest bit (the best target) first.
  std::vector<int64_t> targets;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) targets.push_back(t);
  return targets;
}

std::string simd_target_name(int64_t target) { return hwy::TargetName(target); }

void force_simd_target(int64_t target) { hwy::SetSupportedTargetsForTest(target); }

void reset_simd_target() { hwy::SetSupportedTargetsForTest(0); }

}  // namespace valley
