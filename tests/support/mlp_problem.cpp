#include "support/mlp_problem.h"

#include <cmath>

#include "valley/model/init.h"
#include "valley/random/philox_normal.h"

namespace valley::testing {

MlpProblem make_mlp_problem(const std::string& net, int batch_size, uint64_t seed) {
  MlpProblem p{NetSpec::parse(net), {}, {}, {}, batch_size};
  const Vec x = glorot_uniform(p.spec, seed);
  p.x.assign(x.data(), x.data() + x.size());
  for (int l = 1; l <= p.spec.n_layers(); ++l)
    for (int c = 0; c < p.spec.widths[l]; ++c)
      p.x[static_cast<size_t>(p.spec.bias_offset(l) + c)] = 0.05 * std::sin(3.0 * c + l);
  std::vector<float> images(static_cast<size_t>(batch_size) * p.spec.n_inputs());
  fill_uniform(NoiseKey{seed, Stream::test, 1, 0}, 0, images);
  p.images.assign(images.begin(), images.end());
  for (int b = 0; b < batch_size; ++b)
    p.labels.push_back(static_cast<uint8_t>((b * 3 + 1) % p.spec.n_outputs()));
  return p;
}

}  // namespace valley::testing
