// Streaming, numerically safe sums of exponentials: Σ_j exp(a_j) kept as
// exp(max) · Σ_j exp(a_j − max), rescaled whenever a larger a_j arrives, so
// that log-weights around −10⁴ or +10⁴ neither underflow nor overflow.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace valley {

class LogSumExp {
 public:
  // Adds exp(a). Returns the factor by which earlier terms were rescaled
  // (1 when the maximum did not change), so that callers can rescale
  // accumulators kept in the same units; the new term's weight relative to
  // the current maximum is left in last_weight().
  double add(double a) {
    double rescale = 1.0;
    if (a > max_) {
      rescale = std::exp(max_ - a);  // 0 when max_ = −∞
      sum_ *= rescale;
      sum_squares_ *= rescale * rescale;
      max_ = a;
    }
    last_weight_ = std::exp(a - max_);
    sum_ += last_weight_;
    sum_squares_ += last_weight_ * last_weight_;
    return rescale;
  }

  // Folds in the terms of `other`. Returns the factors (for this and for
  // other) by which accumulators kept in their units must be multiplied to be
  // in the units of the merged maximum.
  std::pair<double, double> merge(const LogSumExp& other) {
    const double new_max = std::max(max_, other.max_);
    if (new_max == -std::numeric_limits<double>::infinity()) return {1.0, 1.0};
    const double self_scale = std::exp(max_ - new_max);  // 0 when max_ = −∞
    const double other_scale = std::exp(other.max_ - new_max);
    sum_ = sum_ * self_scale + other.sum_ * other_scale;
    sum_squares_ = sum_squares_ * self_scale * self_scale + other.sum_squares_ * other_scale * other_scale;
    max_ = new_max;
    return {self_scale, other_scale};
  }

  // The accumulator whose max(), scaled_sum() and scaled_sum_squares() are
  // these (sent between ranks as three numbers).
  static LogSumExp from_parts(double max, double scaled_sum, double scaled_sum_squares) {
    LogSumExp out;
    out.max_ = max;
    out.sum_ = scaled_sum;
    out.sum_squares_ = scaled_sum_squares;
    return out;
  }

  double last_weight() const { return last_weight_; }
  double max() const { return max_; }
  // Σ exp(a_j − max) and Σ exp(2(a_j − max))
  double scaled_sum() const { return sum_; }
  double scaled_sum_squares() const { return sum_squares_; }
  double log_sum() const { return max_ + std::log(sum_); }
  // Effective sample size (Σ w)² / Σ w².
  double effective_sample_size() const { return sum_ * sum_ / sum_squares_; }

 private:
  double max_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
  double sum_squares_ = 0.0;
  double last_weight_ = 0.0;
};

}  // namespace valley
