#include "valley/reproduce/spread.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace valley {

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  s.n = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  double sum = 0.0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  double squares = 0.0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.sd = s.n > 1 ? std::sqrt(squares / static_cast<double>(s.n - 1)) : 0.0;
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

std::vector<CurvePoint> mean_curve(const RunResults& results, const std::string& metric) {
  std::map<int64_t, std::vector<double>> by_update, evaluations;
  for (const SeedResult& seed : results.seeds) {
    const std::vector<RunningTotals> totals = running_totals(seed.rows);
    for (std::size_t i = 0; i < seed.rows.size(); ++i) {
      by_update[seed.rows[i].update].push_back(metric_value(seed.rows[i], metric));
      evaluations[seed.rows[i].update].push_back(totals[i].evaluations);
    }
  }
  std::vector<CurvePoint> curve;
  for (const auto& [update, values] : by_update)
    curve.push_back({update, spread_of(values), spread_of(evaluations[update]).mean});
  return curve;
}

}  // namespace valley
