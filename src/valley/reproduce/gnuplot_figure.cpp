#include "valley/reproduce/gnuplot_figure.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/reproduce/spread.h"

namespace valley {
namespace {

// Colours of the curves of a panel whose runs name none.
const std::vector<std::string> kPalette = {"#d62728", "#1f77b4", "#2ca02c", "#000000",
                                           "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};

constexpr int kPanelWidth = 480;
constexpr int kPanelHeight = 420;
constexpr int kMinWidth = 720;     // room for the two title lines above a single panel
constexpr int kTitleHeight = 60;

// A gnuplot single-quoted string: no escapes but '' for a quote.
std::string gnuplot_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Two lines as a gnuplot double-quoted string, whose escapes include \n.
std::string gnuplot_two_lines(const std::string& first, const std::string& second) {
  std::string out = "\"";
  for (char c : first + '\n' + second) {
    if (c == '\n') out += "\\n";
    else if (c == '"' || c == '\\') out += std::string("\\") + c;
    else out += c;
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
std::filesystem::path curve_file(const FigureSpec& figure, const std::string& run, const std::string& metric) {
  return std::filesystem::path("curves") / (metric == figure.metric ? run + ".csv" : run + "." + metric + ".csv");
}

// The y axis of a panel of `metric`: accuracies in [0, 1]; τ and losses (which
// span decades when a run diverges) on a log scale.
std::string y_axis_settings(const std::string& metric) {
  std::string out = fmt::format("set ylabel {}\n", gnuplot_string(axis_label(metric)));
  if (metric == "test_accuracy") return out + "unset logscale y\nset yrange [0:1]\n";
  return out + "set autoscale y\nset logscale y\n";
}

// The full path of `program` on $PATH, or empty.
std::filesystem::path find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

struct ProgramResult {
  int exit_status = -1;
  std::string err;
};

// Runs `argv` in `dir` (no shell) and collects what it writes on stderr.
ProgramResult run_in(const std::filesystem::path& dir, std::vector<std::string> argv) {
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) fail("cannot start {}: {}", argv[0], std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) fail("cannot start {}: {}", argv[0], std::strerror(errno));
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProgramResult result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    result.err.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string first_line(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find_first_not_of(" \t") != std::string::npos) return line;
  return "no message";
}

// Characters, not bytes, of a UTF-8 label (ρ, τ, … are two bytes).
std::size_t label_length(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The keys sit below each panel in up to 3 rows: a panel is widened until its
// key's columns fit (gnuplot reckons about 8 pixels a character, and 70 for
// the line sample; a key that does not fit loses its last entries), so that
// every run is named and the keys of neighbouring panels do not overlap.
int panel_width(const Experiment& experiment, const FigureSpec& figure) {
  int width = kPanelWidth;
  for (const PanelSpec& panel : figure.panels) {
    std::size_t longest = 0;
    for (const std::string& run : panel.runs) longest = std::max(longest, label_length(experiment.run(run).label));
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
  const std::string title = gnuplot_two_lines(
      figure.title.empty() ? experiment.name : figure.title,
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
    out += fmt::format("set title {}\nplot \\\n", gnuplot_string(panel.title));
    for (size_t i = 0; i < panel.runs.size(); ++i) {
      const ExperimentRun& run = experiment.run(panel.runs[i]);
      const std::string color = gnuplot_string(run.color.empty() ? kPalette[i % kPalette.size()] : run.color);
      const std::string file = gnuplot_string(curve_file(figure, run.name, current_metric).string());
      out += fmt::format(
          "  {0} using {4}:($2-$3):($2+$3) with filledcurves lc rgb {1} notitle, \\\n"
          "  {0} using {4}:2 with lines lw 2 lc rgb {1} title {2}{3}\n",
          file, color, gnuplot_string(run.label), i + 1 < panel.runs.size() ? ", \\" : "", x_column);
    }
  }
  out += "unset multiplot\n";
  return out;
}

FigureFiles draw_figure(const Experiment& experiment, const FigureSpec& figure,
                        const std::vector<RunResults>& results, int64_t n_seeds,
                        const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "curves");
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
  const std::filesystem::path gnuplot = find_on_path("gnuplot");
  if (gnuplot.empty()) return files;
  // gnuplot writes a temporary name, renamed into place once complete.
  const std::string tmp_name = ".figure.png.tmp";
  const ProgramResult result =
      run_in(dir, {gnuplot.string(), "-e", fmt::format("out='{}'", tmp_name), "figure.gp"});
  if (result.exit_status != 0 || !std::filesystem::exists(dir / tmp_name))
    fail("{}: gnuplot failed (exit status {}): {}", files.script.string(), result.exit_status,
         first_line(result.err));
  std::filesystem::rename(dir / tmp_name, files.png);
  files.drawn = true;
  return files;
}

}  // namespace valley
