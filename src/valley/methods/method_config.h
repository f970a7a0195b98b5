// Settings of every method, grouped by method. Defaults are the paper's
// settings (§6.2, Fig. 4) and DESIGN's readings of what the paper leaves open.
#pragma once

#include <cstdint>
#include <string>

namespace valley {

struct MethodConfig {
  std::string name = "sgd";
  uint64_t seed = 1;

  struct {
    double lr = 0.01;  // x ← x − lr ∇f(x)
  } sgd;
};

// Checks every setting; errors name the flag.
void validate(const MethodConfig& config);

}  // namespace valley
