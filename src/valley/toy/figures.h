// The files `valley landscape` writes: CSV data and the gnuplot scripts that
// draw them (run by plot/gnuplot.h).
//   Figures 1–2:
//     maps.csv                x1, x2, f, F_tau, F_heat on the map grid
//     trajectories.csv        method, start, k, x1, x2, F_tau, F_heat
//     fig1_local_entropy.png  f | F_τ with Algorithm 1 (exact) from each start
//     fig2_heat.png           f | F^H_τ with Algorithm 2 (exact)
//     fig_estimators.png      the exact trajectories against the Monte Carlo
//                             ones: SGLD and IS on F_τ, Robbins–Monro on F^H_τ
//     landscape.gp
//   Figure 3:
//     fig3_density.csv        y, q, and each fitted Gaussian φ_m
//     fig3_kl.csv             m, KL(q‖φ_m), KL(φ_m‖q)
//     fig3_fits.csv           direction, m, divergence at m
//     fig3_kl_directions.png  mode seeking | mean seeking | both divergences over m
//     fig3.gp
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "valley/toy/kl_directions.h"
#include "valley/toy/landscape_maps.h"
#include "valley/toy/landscapes.h"
#include "valley/toy/trajectories.h"

namespace valley {

struct FigureScript {
  std::filesystem::path script;   // the gnuplot script written
  std::vector<std::string> pngs;  // the PNG names it draws
};

FigureScript write_landscape_files(const std::filesystem::path& dir, const Landscape& landscape,
                                   const LandscapeMaps& maps, const std::vector<Trajectory>& trajectories,
                                   const TrajectorySettings& settings);

FigureScript write_kl_direction_files(const std::filesystem::path& dir, const KlDirectionsSettings& settings,
                                      const KlDirections& fits);

}  // namespace valley
