#include "valley/flatness/filter_directions.h"

#include <cmath>
#include <span>

namespace valley {
namespace {

double column_norm(const float* w, int n_in, int n_out, int j) {
  double sum = 0.0;
  for (int i = 0; i < n_in; ++i) {
    const double v = w[static_cast<std::size_t>(i) * n_out + j];
    sum += v * v;
  }
  return std::sqrt(sum);
}

}  // namespace

Vec filter_normalized_direction(const NetSpec& spec, const Vec& x, const NoiseKey& key, bool include_biases) {
  Vec d(spec.n_params());
  fill_normal(key, 0, std::span<float>(d.data(), static_cast<std::size_t>(d.size())));
  for (int l = 1; l <= spec.n_layers(); ++l) {
    const int n_in = spec.widths[l - 1];
    const int n_out = spec.widths[l];
    const float* w = x.data() + spec.weights_offset(l);
    float* dw = d.data() + spec.weights_offset(l);
    for (int j = 0; j < n_out; ++j) {
      const double scale = column_norm(w, n_in, n_out, j) / (column_norm(dw, n_in, n_out, j) + 1e-10);
      for (int i = 0; i < n_in; ++i) {
        float& v = dw[static_cast<std::size_t>(i) * n_out + j];
        v = static_cast<float>(v * scale);
      }
    }
    float* db = d.data() + spec.bias_offset(l);
    const float* b = x.data() + spec.bias_offset(l);
    for (int j = 0; j < n_out; ++j) db[j] = include_biases ? b[j] : 0.0f;
  }
  return d;
}

std::vector<double> unit_weight_norms(const NetSpec& spec, const Vec& x) {
  std::vector<double> norms;
  for (int l = 1; l <= spec.n_layers(); ++l)
    for (int j = 0; j < spec.widths[l]; ++j)
      norms.push_back(column_norm(x.data() + spec.weights_offset(l), spec.widths[l - 1], spec.widths[l], j));
  return norms;
}

}  // namespace valley
