// Filter normalization (Li et al. 2018): each unit's slice of the direction
// has the norm of that unit's weights; biases are left out by default.
#include "valley/flatness/filter_directions.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valley/model/init.h"

namespace valley {
namespace {

TEST(FilterNormalizedDirection, EachUnitsNormEqualsItsWeightsNorm) {
  const NetSpec spec = NetSpec::parse("12-6-5-3");
  Vec x = glorot_uniform(spec, 3);
  // Units of very different scales, as after a ReLU rescaling.
  for (int i = 0; i < 12; ++i) x[spec.weights_offset(1) + i * 6 + 2] *= 40.0f;
  for (int l = 1; l <= 3; ++l)
    for (int j = 0; j < spec.widths[l]; ++j) x[spec.bias_offset(l) + j] = 0.1f * (j + 1);
  const Vec d = filter_normalized_direction(spec, x, NoiseKey{1, Stream::flatness, 4, 0});
  const std::vector<double> want = unit_weight_norms(spec, x);
  const std::vector<double> got = unit_weight_norms(spec, d);
  ASSERT_EQ(want.size(), static_cast<size_t>(6 + 5 + 3));
  for (size_t u = 0; u < want.size(); ++u) EXPECT_NEAR(got[u], want[u], 1e-5 * want[u]) << "unit " << u;
  EXPECT_GT(want[2], 10.0 * want[0]);  // the scaled unit really differs
  for (int l = 1; l <= 3; ++l)
    for (int j = 0; j < spec.widths[l]; ++j) EXPECT_EQ(d[spec.bias_offset(l) + j], 0.0f);
  // It is not the weights themselves: the direction is random.
  EXPECT_GT((d - x).norm(), 0.1 * x.norm());
  const Vec with_biases = filter_normalized_direction(spec, x, NoiseKey{1, Stream::flatness, 4, 0}, true);
  EXPECT_EQ(with_biases[spec.bias_offset(2) + 1], x[spec.bias_offset(2) + 1]);
}

}  // namespace
}  // namespace valley
