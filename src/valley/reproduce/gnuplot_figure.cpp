#include "valley/reproduce/gnuplot_figure.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/core/files.h"
#include "valley/core/error.h"
#include "valley/plot/gnuplot.h"
#include "valley/reproduce/spread.h"

namespace valley {
namespace {

// Colours of the curves of a panel whose runs name none.
const std::vector<std::string> kPalette = {"#d62728", "#1f77b4", "#2ca02c", "#000000",
                                           "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};

constexpr int kPanelWidth = 480;
constexpr int kPanelHeight = 420;
constexpr int kMinWidth = 720;  // room for the two title lines above a single panel
constexpr int kTitleHeight = 60;

// Two lines as a gnuplot double-quoted string, whose escapes include \n.
std::string gnuplot_two_lines(const std::string& first, const std::string& second) {
  std::string out = "\"";
  for (char c : first + '\n' + second) {
    if (c == '\n')
      out += "\\n";
    else if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out + "\"";
}

std::string axis_label(const std::string& metric) {
  if (metric == "test_accuracy") return "held-out accuracy";
  if (metric == "test_loss") return "held-out loss";
  if (metric == "train_loss") return "training loss";
  return "τ";
}

// curves/<run>.csv for the figure's metric, curves/<run>.<metric>.csv for a
// panel's other one.
std::filesystem::path curve_file(const FigureSpec& figure, const std::string& run,
                                 const std::string& metric) {
  return std::filesystem::path("curves") /
         (metric == figure.metric ? run + ".csv" : run + "." + metric + ".csv");
}

// The y axis of a panel of `metric`: accuracies in [0, 1]; τ and losses (which
// span decades when a run diverges) on a log scale.
std::string y_axis_settings(const std::string& metric) {
  std::string out = fmt::format("set ylabel {}\n", gnuplot_quote(axis_label(metric)));
  if (metric == "test_accuracy") return out + "unset logscale y\nset yrange [0:1]\n";
  return out + "set autoscale y\nset logscale y\n";
}

// Characters, not bytes, of a UTF-8 label (ρ, τ, … are two bytes).
std::size_t label_length(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The keys sit below each panel in up to 3 rows: a panel is widened until its
// key's columns fit (gnuplot reckons about 8 pixels a character, and 70 for
// the line sample; a key that does not fit loses its last entries), so that
// every run is named and the keys of neighbouring panels do not overlap.
int panel_width(const Experiment& experiment, const FigureSpec& figure) {
  int width = kPanelWidth;
  for (const PanelSpec& panel : figure.panels) {
    std::size_t longest = 0;
    for (const std::string& run : panel.runs)
      longest = std::max(longest, label_length(experiment.run(run).label));
    const auto key_columns = static_cast<int>((panel.runs.size() + 2) / 3);
    width = std::max(width, key_columns * (static_cast<int>(longest) * 8 + 70));
  }
  return width;
}

}  // namespace

std::string curve_csv(const RunResults& results, const std::string& metric) {
  std::string out = "update,mean,sd,min,max,n_seeds,evaluations\n";
  for (const CurvePoint& p : mean_curve(results, metric))
    out += fmt::format("{},{},{},{},{},{},{}\n", p.update, p.spread.mean, p.spread.sd, p.spread.min,
                       p.spread.max, p.spread.n, p.evaluations);
  return out;
}

std::string gnuplot_script(const Experiment& experiment, const FigureSpec& figure, int64_t n_seeds) {
  const std::string title =
      gnuplot_two_lines(figure.title.empty() ? experiment.name : figure.title,
                        fmt::format("line: mean over seeds 1–{}, band: ± 1 standard deviation", n_seeds));
  std::string out = fmt::format(
      "# valley reproduce {}: `gnuplot figure.gp` in this directory redraws figure.png from\n"
      "# curves/<run>.csv (update, mean, sd, min, max, n_seeds over seeds, minibatch evaluations).\n"
      "if (!exists(\"out\")) out = 'figure.png'\n"
      "set terminal pngcairo noenhanced size {},{} font 'sans,10'\n"
      "set output out\n"
      "set datafile separator ','\n"
      "set datafile columnheaders\n"
      "set style fill transparent solid 0.2 noborder\n"
      "set grid\n"
      "set key below vertical maxrows 3 samplen 2\n"
      "set bmargin 7\n"
      "set xlabel {}\n",
      experiment.name, std::max(kMinWidth, panel_width(experiment, figure) * figure.cols),
      kPanelHeight * figure.rows + kTitleHeight,
      figure.x_axis == "evaluations" ? "'minibatch evaluations (∇f or f on a minibatch)' offset 0,0.3"
                                     : "'parameter updates' offset 0,0.3");
  // The key goes below each panel: inside, it hid whatever curve ran
  // through its corner.
  // (runs of one budget end at the same number of evaluations: no empty margin after it)
  if (figure.x_axis == "evaluations") out += "set autoscale xfix\n";
  out += y_axis_settings(figure.metric);
  out += fmt::format("set multiplot layout {},{} title {}\n", figure.rows, figure.cols, title);
  const int x_column = figure.x_axis == "evaluations" ? 7 : 1;
  std::string current_metric = figure.metric;
  for (const PanelSpec& panel : figure.panels) {
    if (figure.metric_of(panel) != current_metric) {
      current_metric = figure.metric_of(panel);
      out += y_axis_settings(current_metric);
    }
    out += fmt::format("set title {}\nplot \\\n", gnuplot_quote(panel.title));
    for (size_t i = 0; i < panel.runs.size(); ++i) {
      const ExperimentRun& run = experiment.run(panel.runs[i]);
      const std::string color = gnuplot_quote(run.color.empty() ? kPalette[i % kPalette.size()] : run.color);
      const std::string file = gnuplot_quote(curve_file(figure, run.name, current_metric).string());
      out += fmt::format(
          "  {0} using {4}:($2-$3):($2+$3) with filledcurves lc rgb {1} notitle, \\\n"
          "  {0} using {4}:2 with lines lw 2 lc rgb {1} title {2}{3}\n",
          file, color, gnuplot_quote(run.label), i + 1 < panel.runs.size() ? ", \\" : "", x_column);
    }
  }
  out += "unset multiplot\n";
  return out;
}

FigureFiles draw_figure(const Experiment& experiment, const FigureSpec& figure,
                        const std::vector<RunResults>& results, int64_t n_seeds,
                        const std::filesystem::path& dir) {
  make_output_directory(dir / "curves", "--out");
  for (const RunResults& r : results)
    write_file_atomically(dir / curve_file(figure, r.run, figure.metric), curve_csv(r, figure.metric));
  for (const PanelSpec& panel : figure.panels) {
    const std::string& metric = figure.metric_of(panel);
    if (metric == figure.metric) continue;
    for (const RunResults& r : results)
      if (std::find(panel.runs.begin(), panel.runs.end(), r.run) != panel.runs.end())
        write_file_atomically(dir / curve_file(figure, r.run, metric), curve_csv(r, metric));
  }
  FigureFiles files{dir / "figure.gp", dir / "figure.png", false};
  write_file_atomically(files.script, gnuplot_script(experiment, figure, n_seeds));
  if (!gnuplot_available()) return files;
  // gnuplot writes figure.png.tmp, renamed into place once complete.
  run_gnuplot(files.script, dir, {"-e", "out='figure.png.tmp'", "figure.gp"}, {"figure.png"});
  files.drawn = true;
  return files;
}

}  // namespace valley
