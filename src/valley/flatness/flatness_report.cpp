#include "valley/flatness/flatness_report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/plot/gnuplot.h"

namespace valley {
namespace {

std::string csv_label(const std::string& label) {
  std::string out = "\"";
  for (char c : label) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string("nan"); }

// The profile point nearest τ (log scale).
const nlohmann::json& profile_near(const nlohmann::json& profiles, double tau) {
  std::size_t best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    const double d = std::abs(std::log(profiles[i]["tau"].get<double>() / tau));
    if (d < best_d) {
      best_d = d;
      best = i;
    }
  }
  return profiles[best];
}

double get(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

}  // namespace

std::vector<std::string> write_flatness_files(const std::filesystem::path& dir,
                                              const std::vector<MeasuredRun>& runs,
                                              const std::optional<Between>& between) {
  // profiles.csv
  std::string profiles =
      "run,label,tau,local_entropy,local_entropy_lo,local_entropy_hi,ess,reliable,heat,heat_lo,heat_hi,"
      "laplace_local_entropy,laplace_heat\n";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const RunMeasures& m = runs[r].measures;
    for (std::size_t i = 0; i < m.profiles.size(); ++i) {
      const ProfilePoint& p = m.profiles[i];
      profiles +=
          fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r, csv_label(runs[r].label), num(p.tau),
                      num(p.local_entropy), num(p.local_entropy_lo), num(p.local_entropy_hi), num(p.ess),
                      p.reliable ? 1 : 0, num(p.heat), num(p.heat_lo), num(p.heat_hi),
                      num(m.laplace_local_entropy[i]), num(m.laplace_heat[i]));
    }
  }
  write_file_atomically(dir / "profiles.csv", profiles);

  // spectrum.csv: one grid over every run's Ritz values, padded by 1% of the range.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const MeasuredRun& run : runs)
    for (double t : run.measures.spectrum.nodes) {
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
  const double range = std::max(hi - lo, 1e-12);
  const double pad = 0.01 * range;
  std::vector<double> grid;
  const int n_grid = 2000;
  for (int g = 0; g < n_grid; ++g) grid.push_back(lo - pad + (range + 2 * pad) * g / (n_grid - 1));
  // Gaussian kernel of variance 1e-5·max(1, range) as PyHessian's density plot.
  const double sigma = std::sqrt(1e-5 * std::max(1.0, range));
  std::string spectrum = "run,label,lambda,density\n";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const std::vector<double> density = smoothed_density(runs[r].measures.spectrum, grid, sigma);
    for (int g = 0; g < n_grid; ++g)
      spectrum +=
          fmt::format("{},{},{},{}\n", r, csv_label(runs[r].label), num(grid[static_cast<std::size_t>(g)]),
                      num(density[static_cast<std::size_t>(g)]));
  }
  write_file_atomically(dir / "spectrum.csv", spectrum);

  // landscape_1d.csv and landscape_2d.csv
  std::string one_d = "run,label,direction,alpha,loss,accuracy\n";
  std::string two_d = "run,label,alpha,beta,loss\n";
  double z_min = std::numeric_limits<double>::infinity(), z_max = -z_min;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const RunMeasures& m = runs[r].measures;
    for (std::size_t j = 0; j < m.curves_1d.size(); ++j)
      for (const LandscapePoint& p : m.curves_1d[j])
        one_d += fmt::format("{},{},{},{},{},{}\n", r, csv_label(runs[r].label), j, num(p.alpha),
                             num(p.score.loss), num(p.score.accuracy));
    double last_alpha = std::nan("");
    for (const LandscapePoint& p : m.grid_2d) {
      if (!std::isnan(last_alpha) && p.alpha != last_alpha) two_d += "\n";
      last_alpha = p.alpha;
      two_d += fmt::format("{},{},{},{},{}\n", r, csv_label(runs[r].label), num(p.alpha), num(p.beta),
                           num(p.score.loss));
      z_min = std::min(z_min, p.score.loss);
      z_max = std::max(z_max, p.score.loss);
    }
    two_d += "\n\n";
  }
  write_file_atomically(dir / "landscape_1d.csv", one_d);
  write_file_atomically(dir / "landscape_2d.csv", two_d);

  std::vector<std::string> pngs = {"profiles.png", "spectrum.png", "landscape_1d.png", "landscape_2d.png"};
  if (between) {
    std::string csv = "alpha,loss,accuracy\n";
    for (const LandscapePoint& p : between->curve)
      csv += fmt::format("{},{},{}\n", num(p.alpha), num(p.score.loss), num(p.score.accuracy));
    write_file_atomically(dir / "interpolation.csv", csv);
    pngs.push_back("interpolation.png");
  }

  // The gnuplot script. Runs are selected by their index in column 1.
  const std::vector<std::string> colors = {"#d62728", "#000000", "#1f77b4", "#2ca02c", "#9467bd",
                                           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  const auto color = [&](std::size_t r) { return colors[r % colors.size()]; };
  // gnuplot runs elsewhere: every file is named relative to `dir`.
  std::string gp = "cd " + gnuplot_quote(std::filesystem::absolute(dir).string()) + "\n";
  gp += "set datafile separator ','\nset terminal pngcairo size 1000,700 noenhanced\nset grid\n";
  // Profiles.
  gp +=
      "set output 'profiles.png.tmp'\nset multiplot layout 1,2 title 'Local entropy and heat profiles at x* "
      "(dashed: Laplace predictions)'\n";
  gp += "set logscale xy\nset format x '%.0e'\nset format y '%g'\nset xlabel 'tau'\nset key left top\n";
  for (const char* which : {"local_entropy", "heat"}) {
    const bool le = std::string(which) == "local_entropy";
    gp += fmt::format("set title '{}'\nset ylabel '{}'\nplot ",
                      le ? "Delta F_tau (local entropy)" : "Delta F^H_tau (heat)",
                      le ? "F_tau(x*) - f(x*)" : "F^H_tau(x*) - f(x*)");
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const int col = le ? 4 : 9, lap = le ? 12 : 13;
      gp += fmt::format(
          "{}'profiles.csv' skip 1 using 3:($1=={} ? ${} : NaN) with linespoints lw 2 lc rgb '{}' title {}, "
          "'profiles.csv' skip 1 using 3:($1=={} ? ${} : NaN) with lines dt 2 lc rgb '{}' notitle",
          r ? ", " : "", r, col, color(r), gnuplot_quote(runs[r].label), r, lap, color(r));
    }
    gp += "\n";
  }
  gp += "unset multiplot\nunset logscale\nset format x '%g'\nunset output\n";
  // Spectrum.
  gp +=
      "set output 'spectrum.png.tmp'\nset title 'Hessian spectral density (stochastic Lanczos quadrature)'\n"
      "set xlabel 'eigenvalue'\nset ylabel 'density'\nset logscale y\nset yrange [1e-8:*]\nset key right "
      "top\nplot ";
  for (std::size_t r = 0; r < runs.size(); ++r)
    gp += fmt::format(
        "{}'spectrum.csv' skip 1 using 3:($1=={} ? $4 : NaN) with lines lw 2 lc rgb '{}' title {}",
        r ? ", " : "", r, color(r), gnuplot_quote(runs[r].label));
  gp += "\nunset logscale\nset yrange [*:*]\nunset output\n";
  // 1-D landscapes.
  gp +=
      "set output 'landscape_1d.png.tmp'\nset title 'Loss along filter-normalized directions (one curve per "
      "direction)'\n"
      "set xlabel 'alpha'\nset ylabel 'loss on the subset'\nset key left top\nplot ";
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (std::size_t j = 0; j < runs[r].measures.curves_1d.size(); ++j)
      gp += fmt::format(
          "{}'landscape_1d.csv' skip 1 using 4:($1=={} && $3=={} ? $5 : NaN) with lines lw 2 lc rgb '{}' {}",
          (r || j) ? ", " : "", r, j, color(r), j ? "notitle" : "title " + gnuplot_quote(runs[r].label));
  gp += "\nunset output\n";
  // 2-D maps: one colour scale and the same contour levels (geometric from
  // the lowest loss of any panel to the highest) in every panel.
  std::string levels;
  const double z_lo = std::max(z_min, 1e-6), z_hi = std::max(z_max, z_lo * 1.01);
  for (int i = 0; i < 12; ++i)
    levels += fmt::format("{}{}", i ? "," : "", num(z_lo * std::pow(z_hi / z_lo, (i + 0.5) / 12)));
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(runs.size()))));
  const int rows =
      static_cast<int>((runs.size() + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols));
  gp += fmt::format(
      "set output 'landscape_2d.png.tmp'\nset multiplot layout {},{} title 'Loss on a filter-normalized "
      "plane (one colour scale and the same contour levels in every panel)'\n"
      "set pm3d map\nset logscale cb\nset cbrange [{}:{}]\nset contour base\nunset clabel\nset cntrparam "
      "levels discrete {}\nset size ratio -1\n"
      "set xlabel 'alpha'\nset ylabel 'beta'\nunset key\n",
      rows, cols, num(z_lo), num(z_hi), levels);
  for (std::size_t r = 0; r < runs.size(); ++r)
    gp += fmt::format(
        "set title {}\nsplot 'landscape_2d.csv' skip 1 index {} using 3:4:5 with pm3d, "
        "'landscape_2d.csv' skip 1 index {} using 3:4:5 nosurface with lines lc rgb 'black'\n",
        gnuplot_quote(runs[r].label), r, r);
  gp +=
      "unset multiplot\nunset contour\nunset pm3d\nunset logscale\nset view 60,30\nset size noratio\nunset "
      "output\n";
  if (between) {
    gp += fmt::format(
        "set output 'interpolation.png.tmp'\nset title {}\nset xlabel 'alpha'\nset ylabel 'loss on the "
        "subset'\n"
        "set y2label 'accuracy'\nset y2tics\nset key left top\n"
        "plot 'interpolation.csv' skip 1 using 1:2 with lines lw 2 title 'loss', "
        "'interpolation.csv' skip 1 using 1:3 axes x1y2 with lines lw 2 dt 2 title 'accuracy'\nunset "
        "output\n",
        gnuplot_quote(fmt::format("(1 - alpha) {} + alpha {}", between->label_a, between->label_b)));
  }
  write_file_atomically(dir / "flatness.gp", gp);
  return pngs;
}

std::string flatness_table(const std::vector<MeasuredRun>& runs) {
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  auto add = [&](const std::string& name, auto value) {
    std::vector<std::string> cells;
    for (const MeasuredRun& run : runs) cells.push_back(value(run.json));
    rows.emplace_back(name, std::move(cells));
  };
  auto fixed = [](double v, int digits) {
    return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : std::string("-");
  };
  auto sci = [](double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : std::string("-"); };
  add("method", [](const nlohmann::json& j) { return j.value("method", std::string("?")); });
  add("train accuracy (subset)",
      [&](const nlohmann::json& j) { return fixed(get(j["measures"], "subset_accuracy"), 4); });
  add("train loss (subset)",
      [&](const nlohmann::json& j) { return fixed(get(j["measures"], "subset_loss"), 4); });
  add("test accuracy", [&](const nlohmann::json& j) { return fixed(get(j["test"], "accuracy"), 4); });
  add("test loss", [&](const nlohmann::json& j) { return fixed(get(j["test"], "loss"), 4); });
  const std::size_t n_layers = runs.empty() ? 0 : runs.front().json["weight_norms"].size();
  for (std::size_t l = 0; l < n_layers; ++l) {
    add(fmt::format("|W_{}|", l + 1),
        [&, l](const nlohmann::json& j) { return fixed(get(j["weight_norms"][l], "weights"), 3); });
    add(fmt::format("|b_{}|", l + 1),
        [&, l](const nlohmann::json& j) { return fixed(get(j["weight_norms"][l], "biases"), 3); });
  }
  for (double tau : {1e-4, 1e-3, 1e-2})
    add(fmt::format("dF_tau, tau = {:g} (* unreliable)", tau), [&, tau](const nlohmann::json& j) {
      const nlohmann::json& p = profile_near(j["measures"]["profiles"], tau);
      return sci(get(p, "local_entropy")) + (p["reliable"].get<bool>() ? "" : "*");
    });
  add("dF_tau Laplace, tau = 0.01", [&](const nlohmann::json& j) {
    return sci(get(profile_near(j["measures"]["profiles"], 1e-2), "laplace_local_entropy"));
  });
  add("dF^H_tau, tau = 0.01", [&](const nlohmann::json& j) {
    return sci(get(profile_near(j["measures"]["profiles"], 1e-2), "heat"));
  });
  add("dF^H_tau Laplace, tau = 0.01", [&](const nlohmann::json& j) {
    return sci(get(profile_near(j["measures"]["profiles"], 1e-2), "laplace_heat"));
  });
  add("heat width (dF^H <= 0.1)", [&](const nlohmann::json& j) {
    const nlohmann::json& w = j["measures"]["heat_width"];
    return sci(get(w, "tau")) + (w["bracketed"].get<bool>() ? "" : " (bound)");
  });
  for (int k = 0; k < 5; ++k)
    add(fmt::format("lambda_{}", k + 1), [&, k](const nlohmann::json& j) {
      const nlohmann::json& top = j["measures"]["hessian"]["top"];
      return static_cast<std::size_t>(k) < top.size() ? sci(get(top[static_cast<std::size_t>(k)], "value"))
                                                      : std::string("-");
    });
  add("lambda_min",
      [&](const nlohmann::json& j) { return sci(get(j["measures"]["hessian"]["smallest"], "value")); });
  add("tr H (Hutchinson) +- SE", [&](const nlohmann::json& j) {
    const nlohmann::json& t = j["measures"]["hessian"]["trace"];
    return sci(get(t, "estimate")) + " +- " + sci(get(t, "standard_error"));
  });
  const std::size_t n_sharp = runs.empty() ? 0 : runs.front().json["measures"]["sharpness"].size();
  for (std::size_t i = 0; i < n_sharp; ++i) {
    const nlohmann::json& first = runs.front().json["measures"]["sharpness"][i];
    add(fmt::format("{} sharpness, eps = {:g} (%)", first["box"].get<std::string>(),
                    first["epsilon"].get<double>()),
        [&, i](const nlohmann::json& j) { return sci(get(j["measures"]["sharpness"][i], "phi")); });
  }
  add("PAC-Bayes 1/sigma^2",
      [&](const nlohmann::json& j) { return sci(get(j["measures"]["pac_bayes"], "flatness")); });
  add("PAC-Bayes magnitude-aware 1/sigma'^2",
      [&](const nlohmann::json& j) { return sci(get(j["measures"]["pac_bayes"], "magnitude_flatness")); });

  std::size_t w0 = 0;
  for (const auto& [name, cells] : rows) w0 = std::max(w0, name.size());
  std::vector<std::size_t> widths;
  for (const MeasuredRun& run : runs) widths.push_back(std::max<std::size_t>(run.label.size(), 10));
  for (const auto& [name, cells] : rows)
    for (std::size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], cells[c].size());
  std::string out = fmt::format("{:<{}}", "", w0);
  for (std::size_t c = 0; c < runs.size(); ++c) out += fmt::format("  {:>{}}", runs[c].label, widths[c]);
  out += "\n";
  for (const auto& [name, cells] : rows) {
    out += fmt::format("{:<{}}", name, w0);
    for (std::size_t c = 0; c < cells.size(); ++c) out += fmt::format("  {:>{}}", cells[c], widths[c]);
    out += "\n";
  }
  return out;
}

std::string flatness_summary_table(const std::vector<MeasuredRun>& runs) {
  std::size_t w = 4;
  for (const MeasuredRun& run : runs) w = std::max(w, run.label.size());
  std::string out = fmt::format("{:<{}}  {:>9}  {:>10}  {:>12}  {:>10}  {:>10}\n", "run", w, "held-out",
                                "train loss", "dF_tau(0.01)", "lambda_max", "heat width");
  for (const MeasuredRun& run : runs) {
    const nlohmann::json& m = run.json["measures"];
    const nlohmann::json& p = profile_near(m["profiles"], 1e-2);
    const nlohmann::json& top = m["hessian"]["top"];
    out += fmt::format("{:<{}}  {:>9.4f}  {:>10.4f}  {:>12.4g}  {:>10.4g}  {:>10.3g}\n", run.label, w,
                       get(run.json["test"], "accuracy"), get(m, "subset_loss"), get(p, "local_entropy"),
                       top.empty() ? std::nan("") : get(top[0], "value"), get(m["heat_width"], "tau"));
  }
  return out;
}

}  // namespace valley
