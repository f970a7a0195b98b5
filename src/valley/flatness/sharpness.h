// Worst-case sharpness in a box around x* (Keskar, Mudigere, Nocedal,
// Smelyanskiy & Tang, ICLR 2017, "On Large-Batch Training…", eq. 4):
//   φ_{x,f}(ε) = 100 · (max_{δ ∈ C_ε} f(x + δ) − f(x)) / (1 + f(x)),
//   C_ε = {δ : |δ_i| ≤ ε (|x_i| + 1)}   (full space, A = I).
// The adaptive (magnitude-aware) box |δ_i| ≤ ε |x_i| (Andriushchenko et al.
// 2023; Kwon et al.'s ASAM) is unchanged by the rescaling of ReLU layers
// (Dinh et al. 2017), which the +1 of Keskar's box is not.
// The inner maximum is approximated by projected sign ascent (the L∞ steepest
// ascent, as in PGD): from a random point of the box,
//   δ ← clip_{C}(δ + η_t r ⊙ sign(∇f(x + δ))),  r_i the box half-width,
// with η_0 = ½ halved whenever f did not increase; the best f seen is kept,
// so the result is a lower bound on the true maximum (Keskar used L-BFGS-B;
// Iyer et al.'s wide-minima code uses gradient ascent, like this).
#pragma once

#include <functional>

#include <Eigen/Dense>

#include "valley/core/types.h"
#include "valley/random/philox_normal.h"

namespace valley {

// f(x) and ∇f(x) (accumulated in double).
using LossGradient = std::function<double(const Vec& x, Eigen::VectorXd& grad)>;

struct SharpnessSettings {
  double epsilon = 1e-3;
  bool adaptive = false;  // box ε|x_i| instead of ε(|x_i| + 1)
  int n_steps = 20;
};

struct Sharpness {
  double phi = 0.0;        // φ(ε), in percent of 1 + f(x)
  double loss_max = 0.0;   // the largest f(x + δ) found
  double loss_at_x = 0.0;  // f(x)
};

Sharpness epsilon_sharpness(const LossGradient& f, const Vec& x, const SharpnessSettings& settings,
                            const NoiseKey& key);

}  // namespace valley
