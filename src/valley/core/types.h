// The numeric vocabulary shared by every part of valley.
// d = number of parameters; x ∈ R^d is the network's flat parameter vector.
#pragma once

#include <cstdint>

#include <Eigen/Core>

namespace valley {

using Vec = Eigen::VectorXf;
using VecRef = Eigen::Ref<Vec>;
using ConstVecRef = Eigen::Ref<const Vec>;
// Many parameter vectors at once: one sample per column (d × n).
using Samples = Eigen::MatrixXf;
using ConstSamplesRef = Eigen::Ref<const Samples>;

}  // namespace valley
