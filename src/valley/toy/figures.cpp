#include "valley/toy/figures.h"

#include <algorithm>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/methods/method_config.h"
#include "valley/plot/gnuplot.h"

namespace valley {
namespace {

// The preamble of both scripts: where to work, the CSV format, and the PNG
// terminal (pngcairo where gnuplot has it, else png), used as
// `set terminal @png_terminal size W,H`.
std::string script_preamble(const std::filesystem::path& dir) {
  return fmt::format(
      "cd {}\n"
      "set datafile separator comma\n"
      "png_terminal = strstrt(GPVAL_TERMINALS, 'pngcairo') > 0 ? 'pngcairo enhanced' : 'png enhanced'\n",
      gnuplot_quote(std::filesystem::absolute(dir).string()));
}

// Starts drawing `png` (under its temporary name) at the given size.
std::string begin_png(const std::string& png, int width, int height) {
  return fmt::format("set terminal @png_terminal size {},{}\nset output '{}.tmp'\n", width, height, png);
}

// Trajectories of `method` over a map panel: a line through x_0 … x_K from
// each start, an open square at x_0 and a dot at every iterate.
std::string trajectory_plots(const std::string& method, int n_starts, const std::string& colour,
                             const std::string& dash, const std::string& title) {
  const std::string pick = fmt::format("strcol(1) eq '{}'", method);
  return fmt::format(
      "for [s=0:{}] 'trajectories.csv' skip 1 using ({} && $2 == s ? $4 : NaN):5 with lines lc rgb '{}' "
      "lw 2 dt {} title (s == 0 ? '{}' : ''), \\\n"
      "     'trajectories.csv' skip 1 using ({} && $3 == 0 ? $4 : NaN):5 with points pt 4 ps 1.3 lc rgb '{}' "
      "notitle, \\\n"
      "     'trajectories.csv' skip 1 using ({} ? $4 : NaN):5 with points pt 7 ps 0.35 lc rgb '{}' notitle",
      n_starts - 1, pick, colour, dash, title, pick, colour, pick, colour);
}

// The plot command of a map panel; trajectory plots may be appended to it.
std::string map_panel(const std::string& title, int column) {
  return fmt::format("set title {}\nplot 'maps.csv' skip 1 using 1:2:{} with image notitle",
                     gnuplot_quote(title), column);
}

// A map panel alone, without a key.
std::string bare_map_panel(const std::string& title, int column) {
  return "set key off\n" + map_panel(title, column) + "\nset key on\n";
}

}  // namespace

FigureScript write_landscape_files(const std::filesystem::path& dir, const Landscape& landscape,
                                   const LandscapeMaps& maps, const std::vector<Trajectory>& trajectories,
                                   const TrajectorySettings& settings) {
  std::string csv = "x1,x2,f,F_tau,F_heat\n";
  for (int i = 0; i < maps.grid.n; ++i)
    for (int j = 0; j < maps.grid.n; ++j)
      csv +=
          fmt::format("{:.10g},{:.10g},{:.15g},{:.15g},{:.15g}\n", maps.grid.coordinate(i, 0),
                      maps.grid.coordinate(j, 1), maps.loss(i, j), maps.local_entropy(i, j), maps.heat(i, j));
  write_file_atomically(dir / "maps.csv", csv);

  csv = "method,start,k,x1,x2,F_tau,F_heat\n";
  for (const Trajectory& t : trajectories)
    for (std::size_t k = 0; k < t.points.size(); ++k)
      csv += fmt::format("{},{},{},{:.15g},{:.15g},{:.15g},{:.15g}\n", t.method, t.start, k, t.points[k][0],
                         t.points[k][1], t.values[k].local_entropy, t.values[k].heat);
  write_file_atomically(dir / "trajectories.csv", csv);

  const int n_starts = static_cast<int>(landscape.starts.size());
  const std::string tau = fmt::format("{:g}", settings.tau);
  std::string gp =
      fmt::format("# Figures 1–2 of `valley landscape`: loss '{}', τ = {}.\n", landscape.name, tau);
  gp += script_preamble(dir);
  gp += fmt::format(
      "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n"
      "set size ratio -1\n"
      "set xrange [{}:{}]\nset yrange [{}:{}]\n"
      "set xlabel 'x_1'\nset ylabel 'x_2'\n"
      "set key top left box opaque fc rgb '#303030' textcolor rgb 'white' Left reverse samplen 2\n",
      landscape.lower[0], landscape.upper[0], landscape.lower[1], landscape.upper[1]);
  const std::string loss_title = fmt::format("loss f ({})", landscape.name);
  const std::string entropy_title = fmt::format("local entropy F_τ, τ = {}", tau);
  const std::string heat_title = fmt::format("heat regularization F@^H_τ, τ = {}", tau);

  // Figure 1: f | F_τ with Algorithm 1 (exact).
  gp += begin_png("fig1_local_entropy.png", 1500, 660);
  gp += fmt::format("set multiplot layout 1,2 title {}\n",
                    gnuplot_quote("Local entropy regularization (Fig. 1): exact Algorithm 1 from " +
                                  std::to_string(n_starts) + " starts (□ start, ● iterates)"));
  gp += bare_map_panel(loss_title, 3);
  gp += map_panel(entropy_title, 4) + ", \\\n     " +
        trajectory_plots("alg1-exact", n_starts, "white", "1", "Algorithm 1, E_q X by quadrature") + "\n";
  gp += "unset multiplot\nset output\n";

  // Figure 2: f | F^H_τ with Algorithm 2 (exact).
  gp += begin_png("fig2_heat.png", 1500, 660);
  gp += fmt::format("set multiplot layout 1,2 title {}\n",
                    gnuplot_quote("Heat regularization (Fig. 2): exact Algorithm 2 from " +
                                  std::to_string(n_starts) + " starts (□ start, ● iterates)"));
  gp += bare_map_panel(loss_title, 3);
  gp +=
      map_panel(heat_title, 5) + ", \\\n     " +
      trajectory_plots("alg2-exact", n_starts, "white", "1", "Algorithm 2, h(x) = 0 by Newton + quadrature") +
      "\n";
  gp += "unset multiplot\nset output\n";

  // Exact against Monte Carlo steps.
  const std::string samples = std::to_string(settings.n_samples);
  MethodConfig heat_config;
  heat_config.n_samples = settings.n_samples;
  const int64_t rm_draws = heat_config.heat_draws();  // M = J = ⌊√S⌋, as make_method sets them
  gp += begin_png("fig_estimators.png", 2100, 680);
  gp += fmt::format("set multiplot layout 1,3 title {}\n",
                    gnuplot_quote("Exact steps (white) against Monte Carlo estimates (red), S = " + samples +
                                  " samples per update, τ = " + tau));
  gp += map_panel("F_τ: Algorithm 1, exact vs SGLD (Alg. 3)", 4) + ", \\\n     " +
        trajectory_plots("alg1-exact", n_starts, "white", "1", "exact") + ", \\\n     " +
        trajectory_plots("sgld", n_starts, "red", "2", "SGLD, J = " + samples) + "\n";
  gp += map_panel("F_τ: Algorithm 1, exact vs importance sampling (Alg. 4)", 4) + ", \\\n     " +
        trajectory_plots("alg1-exact", n_starts, "white", "1", "exact") + ", \\\n     " +
        trajectory_plots("is", n_starts, "red", "2", "IS, J = " + samples) + "\n";
  gp += map_panel("F@^H_τ: Algorithm 2, exact vs Robbins–Monro (Alg. 5)", 5) + ", \\\n     " +
        trajectory_plots("alg2-exact", n_starts, "white", "1", "exact") + ", \\\n     " +
        trajectory_plots("heat-rm", n_starts, "red", "2",
                         "Robbins–Monro, M = J = " + std::to_string(rm_draws)) +
        "\n";
  gp += "unset multiplot\nset output\n";

  write_file_atomically(dir / "landscape.gp", gp);
  return {dir / "landscape.gp", {"fig1_local_entropy.png", "fig2_heat.png", "fig_estimators.png"}};
}

FigureScript write_kl_direction_files(const std::filesystem::path& dir, const KlDirectionsSettings& settings,
                                      const KlDirections& fits) {
  const GaussianMixture1d& q = settings.q;
  const double lower = fits.m.front() - 3 * settings.sigma, upper = fits.m.back() + 3 * settings.sigma;
  std::string csv = "y,q,phi_mean_seeking";
  for (std::size_t i = 0; i < fits.mode_seeking.size(); ++i)
    csv += fmt::format(",phi_mode_seeking_{}", i + 1);
  csv += "\n";
  const int n_y = 1201;
  double peak = 0.0;  // the tallest density drawn, to leave room for the key above it
  for (int i = 0; i < n_y; ++i) {
    const double y = lower + (upper - lower) * i / (n_y - 1);
    const double phi_mean = normal_density(y, fits.mean_seeking.mean, settings.sigma);
    csv += fmt::format("{:.10g},{:.12g},{:.12g}", y, q.density(y), phi_mean);
    peak = std::max({peak, q.density(y), phi_mean});
    for (const KlFit& fit : fits.mode_seeking)
      csv += fmt::format(",{:.12g}", normal_density(y, fit.mean, settings.sigma));
    csv += "\n";
  }
  write_file_atomically(dir / "fig3_density.csv", csv);

  csv = "m,kl_q_phi,kl_phi_q\n";
  for (std::size_t i = 0; i < fits.m.size(); ++i)
    csv += fmt::format("{:.10g},{:.12g},{:.12g}\n", fits.m[i], fits.kl_q_phi[i], fits.kl_phi_q[i]);
  write_file_atomically(dir / "fig3_kl.csv", csv);

  csv = "direction,m,kl\n";
  csv += fmt::format("mean-seeking,{:.15g},{:.15g}\n", fits.mean_seeking.mean, fits.mean_seeking.kl);
  for (const KlFit& fit : fits.mode_seeking)
    csv += fmt::format("mode-seeking,{:.15g},{:.15g}\n", fit.mean, fit.kl);
  write_file_atomically(dir / "fig3_fits.csv", csv);

  const std::string sigma = fmt::format("{:g}", settings.sigma);
  std::string gp =
      "# Figure 3 of `valley landscape --kl-directions`: mean- and mode-seeking Gaussian fits.\n";
  gp += script_preamble(dir);
  gp += begin_png("fig3_kl_directions.png", 1800, 560);
  gp += fmt::format("set multiplot layout 1,3 title {}\n",
                    gnuplot_quote("Best Gaussian N(m, σ^2), σ = " + sigma +
                                  ", for a bimodal q (Fig. 3): the two directions of Kullback–Leibler"));
  gp += fmt::format(
      "set xrange [{}:{}]\nset yrange [0:{}]\nset xlabel 'y'\nset ylabel 'density'\nset key top left Left "
      "reverse samplen 2\n",
      lower, upper, 1.4 * peak);
  gp += "set title 'mode seeking: local minimizers of m ↦ KL(φ_m‖q)'\n";
  gp +=
      "plot 'fig3_density.csv' skip 1 using 1:2 with filledcurves y=0 fs transparent solid 0.25 lc rgb "
      "'gray40' "
      "title 'q', \\\n";
  for (std::size_t i = 0; i < fits.mode_seeking.size(); ++i)
    gp += fmt::format(
        "     'fig3_density.csv' skip 1 using 1:{} with lines lw 2.5 dt {} lc rgb '#d62728' title "
        "'φ_m, m = {:.3f}', \\\n",
        4 + i, i + 1, fits.mode_seeking[i].mean);
  gp += "     NaN notitle\n";
  gp += "set title 'mean seeking: the minimizer of m ↦ KL(q‖φ_m), m = E_q Y'\n";
  gp += fmt::format(
      "plot 'fig3_density.csv' skip 1 using 1:2 with filledcurves y=0 fs transparent solid 0.25 lc rgb "
      "'gray40' "
      "title 'q', \\\n"
      "     'fig3_density.csv' skip 1 using 1:3 with lines lw 2.5 lc rgb '#1f77b4' title 'φ_m, m = {:.3f}'\n",
      fits.mean_seeking.mean);
  gp +=
      "set title 'both divergences over the mean m of φ_m'\nset xlabel 'm'\nset ylabel 'KL'\nset key top "
      "center\n";
  gp += fmt::format("set xrange [{}:{}]\nset yrange [0:*]\n", fits.m.front(), fits.m.back());
  gp +=
      "plot 'fig3_kl.csv' skip 1 using 1:2 with lines lw 2.5 lc rgb '#1f77b4' title 'KL(q‖φ_m)', \\\n"
      "     'fig3_kl.csv' skip 1 using 1:3 with lines lw 2.5 lc rgb '#d62728' title 'KL(φ_m‖q)', \\\n"
      "     'fig3_fits.csv' skip 1 using 2:3 with points pt 7 ps 1.5 lc rgb 'black' title 'minimizers'\n";
  gp += "unset multiplot\nset output\n";
  write_file_atomically(dir / "fig3.gp", gp);
  return {dir / "fig3.gp", {"fig3_kl_directions.png"}};
}

}  // namespace valley
