// The spread of a quantity over seeds: n values, their mean, sample standard
// deviation (n − 1 in the denominator; 0 for one value), minimum and maximum.
// The paper reports one run per setting; valley reports mean ± sd over seeds.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "valley/reproduce/run_results.h"

namespace valley {

struct Spread {
  int64_t n = 0;
  double mean = std::numeric_limits<double>::quiet_NaN();
  double sd = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
};

Spread spread_of(const std::vector<double>& values);

// `metric` after update u over the seeds that reached u.
struct CurvePoint {
  int64_t update = 0;
  Spread spread;
  double evaluations = 0.0;  // minibatch evaluations up to u, mean over those seeds
};

// One point per update that any seed evaluated, in increasing order.
std::vector<CurvePoint> mean_curve(const RunResults& results, const std::string& metric);

}  // namespace valley
