// valley landscape: the toy figures and the theorems, computed exactly on a
// two-dimensional loss (docs/LANDSCAPES.md).
//   --out DIR                   Figures 1–2: f, F_τ, F^H_τ maps with trajectories
//   --kl-directions --out DIR   Figure 3: mean- vs mode-seeking Gaussian fits
//   --check-theorems            Theorems 1–4 and eq. 12 as a table; exit 1 on a failure
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "valley/backends/backend.h"
#include "valley/cli/commands.h"
#include "valley/options/flags.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/files.h"
#include "valley/core/version.h"
#include "valley/toy/figures.h"
#include "valley/plot/gnuplot.h"
#include "valley/toy/landscape_maps.h"
#include "valley/toy/theorem_checks.h"
#include "valley/train/results.h"

namespace valley::cli {
namespace {

struct LandscapeOptions {
  std::string out_dir;
  std::string loss = "wells";
  double tau = 0.05;
  int64_t n_steps = 200;
  int64_t n_samples = 100;
  int grid = 201;
  uint64_t seed = 1;
  int n_threads = 2;
  int check_starts = 20;
  int check_steps = 50;
  bool kl_directions = false;
  bool check_theorems = false;
};

void validate(const LandscapeOptions& o) {
  if (!(std::isfinite(o.tau) && o.tau > 0 && o.tau <= 1)) fail("--tau must be in (0, 1] (got {})", o.tau);
  if (o.n_steps < 1 || o.n_steps > 100'000) fail("--steps must be between 1 and 100000 (got {})", o.n_steps);
  if (o.n_samples < 1 || o.n_samples > 1'000'000)
    fail("--samples must be between 1 and 10^6 (got {})", o.n_samples);
  if (o.grid < 3 || o.grid > 1001) fail("--grid must be between 3 and 1001 (got {})", o.grid);
  if (o.n_threads < 1) fail("--threads must be ≥ 1 (got {})", o.n_threads);
  if (o.check_starts < 1) fail("--check-starts must be ≥ 1 (got {})", o.check_starts);
  if (o.check_steps < 1) fail("--check-steps must be ≥ 1 (got {})", o.check_steps);
  if (o.out_dir.empty() && !(o.check_theorems && !o.kl_directions))
    fail("--out is required (unless --check-theorems is given alone)");
}

std::filesystem::path prepare_out_dir(const std::string& out_dir) {
  const std::filesystem::path dir = out_dir;
  expect_printable_path(dir, "--out");
  expect_not_a_run_directory(dir, "--out");
  make_output_directory(dir, "--out");
  return dir;
}

// Draws the figures of `script`, or says in one line why not.
void draw(const FigureScript& script, const std::filesystem::path& dir) {
  if (!gnuplot_available()) {
    fmt::print("gnuplot not found: wrote the CSV files and {}, skipped the figures\n",
               script.script.string());
    return;
  }
  run_gnuplot(script.script, dir, script.pngs);
  for (const std::string& png : script.pngs) fmt::print("  {}\n", (dir / png).string());
}

void make_landscape_figures(const LandscapeOptions& o, const Landscape& landscape, const Backend& backend) {
  const std::filesystem::path dir = prepare_out_dir(o.out_dir);
  TrajectorySettings settings;
  settings.tau = o.tau;
  settings.n_steps = o.n_steps;
  settings.n_samples = o.n_samples;
  settings.seed = o.seed;
  settings.quadrature.length_scale = WellsLoss(landscape.loss).length_scale();
  const double step = gaussian_rule_step(std::sqrt(o.tau), settings.quadrature);
  const int nodes_per_side = 2 * static_cast<int>(std::ceil(settings.quadrature.half_width / step)) + 1;
  fmt::print(
      "valley landscape: loss '{}' ({}), τ = {}, {}×{} grid, {} starts × {} steps, S = {} Monte Carlo "
      "samples, seed {}\n  quadrature: trapezoid rule, node spacing {:.4f}√τ, {}² nodes per point\n",
      landscape.name, landscape.description, o.tau, o.grid, o.grid, landscape.starts.size(), o.n_steps,
      o.n_samples, o.seed, step, nodes_per_side);
  std::fflush(stdout);
  const LandscapeMaps maps =
      compute_landscape_maps(WellsLoss(landscape.loss), {landscape.lower, landscape.upper, o.grid}, o.tau,
                             settings.quadrature, backend);
  const std::vector<Trajectory> trajectories =
      run_trajectories(landscape.loss, landscape.starts, settings, backend);
  const nlohmann::json config = {{"valley_version", kVersion},
                                 {"figure", "landscape"},
                                 {"loss", landscape.name},
                                 {"tau", o.tau},
                                 {"grid", o.grid},
                                 {"steps", o.n_steps},
                                 {"samples", o.n_samples},
                                 {"seed", o.seed},
                                 {"quadrature_step_sd", step}};
  write_file_atomically(dir / "landscape.json", config.dump(2) + "\n");
  const FigureScript script = write_landscape_files(dir, landscape, maps, trajectories, settings);
  fmt::print("wrote {}/{{maps.csv, trajectories.csv, landscape.json, landscape.gp}}\n", dir.string());
  draw(script, dir);
}

void make_kl_figure(const LandscapeOptions& o) {
  const std::filesystem::path dir = prepare_out_dir(o.out_dir);
  const KlDirectionsSettings settings;
  const KlDirections fits = fit_kl_directions(settings);
  fmt::print("valley landscape --kl-directions: q = ½N(−1.5, 0.5²) + ½N(1.5, 0.5²), φ_m = N(m, {}²)\n",
             settings.sigma);
  fmt::print("  mean seeking, argmin KL(q‖φ_m):  m = {:+.6f}  (KL {:.4f})\n", fits.mean_seeking.mean,
             fits.mean_seeking.kl);
  for (const KlFit& fit : fits.mode_seeking)
    fmt::print("  mode seeking, local min of KL(φ_m‖q): m = {:+.6f}  (KL {:.4f})\n", fit.mean, fit.kl);
  const FigureScript script = write_kl_direction_files(dir, settings, fits);
  fmt::print("wrote {}/{{fig3_density.csv, fig3_kl.csv, fig3_fits.csv, fig3.gp}}\n", dir.string());
  draw(script, dir);
}

// Prints the table; returns whether every check passed.
bool check_theorems(const LandscapeOptions& o, const Landscape& landscape, const Backend& backend) {
  TheoremCheckSettings settings;
  settings.tau = o.tau;
  settings.n_starts = o.check_starts;
  settings.n_steps = o.check_steps;
  settings.seed = o.seed;
  fmt::print(
      "valley landscape --check-theorems: loss '{}', τ = {}, {} random points, {} random starts × {} "
      "steps of exact Algorithms 1 and 2, seed {}\n",
      landscape.name, o.tau, settings.n_points, settings.n_starts, settings.n_steps, o.seed);
  std::fflush(stdout);
  const std::vector<CheckRow> rows = valley::check_theorems(landscape, settings, backend);
  fmt::print("{}", format_check_table(rows));
  bool all_passed = true;
  for (const CheckRow& row : rows) all_passed = all_passed && row.passed();
  fmt::print("{}\n", all_passed ? "all checks passed" : "SOME CHECKS FAILED");
  return all_passed;
}

}  // namespace

void add_landscape_command(CLI::App& app) {
  auto o = std::make_shared<LandscapeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "landscape",
      "Toy landscapes computed exactly by quadrature: the loss f, local entropy F_τ (eq. 2) and heat "
      "regularization F^H_τ (§2.2) as maps with the trajectories of Algorithms 1 and 2 (Figs. 1–2), mean- vs "
      "mode-seeking Gaussian fits (Fig. 3), and numerical checks of Theorems 1–4. See docs/LANDSCAPES.md.");
  cmd->add_option("--out", o->out_dir,
                  "Directory for the CSV files, gnuplot scripts and PNGs (created; required unless "
                  "--check-theorems is given alone)");
  cmd->add_option("--loss", o->loss,
                  "Toy loss: wells (one sharp deep and one wide shallow well), field (nine wells of mixed "
                  "widths), bowl (a quadratic, all closed form)")
      ->capture_default_str();
  cmd->add_option("--tau", o->tau,
                  "τ: the variance of φ_{x,τ}, in (0, 1]; the quadrature's nodes, and so the run time, grow "
                  "like τ")
      ->capture_default_str();
  cmd->add_option("--steps", o->n_steps, "Updates K of each drawn trajectory")->capture_default_str();
  cmd->add_option("--samples", o->n_samples,
                  "Monte Carlo sample size S of the approximate trajectories: J = S for SGLD and IS, "
                  "M = J = ⌊√S⌋ for Robbins–Monro")
      ->capture_default_str();
  cmd->add_option("--grid", o->grid, "Map points per side")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the Monte Carlo noise and of the checks' random points")
      ->capture_default_str()
      ->check(non_negative());
  o->n_threads = usable_cores();
  cmd->add_option("--threads", o->n_threads,
                  "Worker threads (default: the cores this process may use; results do not depend on it)")
      ->capture_default_str();
  cmd->add_flag("--kl-directions", o->kl_directions,
                "Draw Figure 3 (a bimodal q and its best fixed-variance Gaussians in KL(q‖φ) and "
                "KL(φ‖q)) instead of Figures 1–2");
  cmd->add_flag("--check-theorems", o->check_theorems,
                "Check Theorems 1–4 and eq. 12 with exact steps and print a table; exit status 1 if a "
                "check fails");
  cmd->add_option("--check-starts", o->check_starts, "Random starts of the monotonicity checks")
      ->capture_default_str();
  cmd->add_option("--check-steps", o->check_steps, "Steps from each start in the monotonicity checks")
      ->capture_default_str();
  cmd->callback([o] {
    validate(*o);
    const Landscape landscape = make_landscape(o->loss);
    const std::unique_ptr<Backend> backend = make_cpu_backend(o->n_threads);
    if (o->kl_directions)
      make_kl_figure(*o);
    else if (!o->out_dir.empty())
      make_landscape_figures(*o, landscape, *backend);
    if (o->check_theorems && !check_theorems(*o, landscape, *backend))
      throw CommandFailed{1};  // a theorem check failed: status 1, apart from the usage errors' 2
  });
}

}  // namespace valley::cli
