// Filter-normalized directions (Li, Xu, Taylor, Studer & Goldstein,
// "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018; their
// net_plotter.py): a Gaussian direction d ~ N(0, I) rescaled unit by unit,
//   d_j ← d_j · |w_j| / (|d_j| + 1e-10),
// where w_j are the weights into hidden or output unit j (a row of PyTorch's
// nn.Linear weight, a column of valley's W_l, which is n_{l−1} × n_l). A
// landscape f(x* + α d) then moves each unit by the same fraction of its own
// weights, so it does not change when a ReLU layer is scaled by c and the next
// by 1/c — the rescaling that makes raw sharpness meaningless (Dinh et al.
// 2017). Biases get 0 by default (Li et al.'s --xignore biasbn); with
// include_biases, the bias itself (their code's choice for 1-D parameters).
#pragma once

#include "valley/core/types.h"
#include "valley/model/net_spec.h"
#include "valley/random/philox_normal.h"

namespace valley {

Vec filter_normalized_direction(const NetSpec& spec, const Vec& x, const NoiseKey& key,
                                bool include_biases = false);

// |w_j| for every unit j of every layer (the norms the direction copies), in
// order layer 1's units, layer 2's, …
std::vector<double> unit_weight_norms(const NetSpec& spec, const Vec& x);

}  // namespace valley
