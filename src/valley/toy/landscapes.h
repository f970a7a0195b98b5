// The named toy landscapes of `valley landscape --loss NAME`: each a
// WellsLoss (toy/wells_loss.h) with the box its maps cover and the starts of
// its trajectories.
//   wells  one sharp deep well and one wide shallower well in a weak bowl:
//          the smallest loss to show local entropy preferring the wide one
//          (Figures 1–2).
//   field  nine wells of mixed depths and widths (0.1 to 0.9) in a weak bowl:
//          a textured landscape like the paper's figures.
//   bowl   a tilted quadratic, no wells: every quantity is closed form
//          (objective/quadratic.h), a check of the pictures themselves.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "valley/toy/wells_loss.h"

namespace valley {

struct Landscape {
  std::string name;
  std::string description;
  WellsSettings loss;
  Eigen::Vector2d lower, upper;         // the box [lower, upper] drawn in the maps
  std::vector<Eigen::Vector2d> starts;  // x_0 of the drawn trajectories
};

// The landscape called `name`; unknown names fail naming --loss and listing
// the valid ones.
Landscape make_landscape(const std::string& name);

std::vector<std::string> landscape_names();

}  // namespace valley
