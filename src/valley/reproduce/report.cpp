#include "valley/reproduce/report.h"

#include <fstream>
#include <set>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/core/files.h"
#include "valley/core/version.h"
#include "valley/reproduce/gnuplot_figure.h"
#include "valley/reproduce/report_table.h"

namespace valley {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "an unknown CPU";
}

// The `valley train` command of one run (without --data and --out).
std::string train_command(const ExperimentRun& run) {
  std::string out = "valley train --method " + run.config.method.name;
  for (const auto& [key, value] : run.settings.items()) {
    if (key == "method") continue;
    if (value.is_boolean()) {  // a flag: given or not ("nesterov": false is --no-nesterov)
      if (value.get<bool>())
        out += " --" + key;
      else if (key == "nesterov")
        out += " --no-nesterov";
    } else if (value.is_array()) {  // a comma-separated list
      std::vector<std::string> items;
      for (const auto& item : value) items.push_back(item.dump());
      out += fmt::format(" --{} {}", key, fmt::join(items, ","));
    } else {
      out += fmt::format(" --{} {}", key, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  return out + " --seed S";
}

std::string threads_used(const std::vector<RunResults>& results) {
  std::set<int64_t> threads;
  for (const RunResults& r : results)
    for (const SeedResult& s : r.seeds) threads.insert(s.n_threads);
  if (threads.empty()) return "no runs yet";
  return fmt::format("{} thread(s) per run", fmt::join(threads, " or "));
}

std::string markdown(const Experiment& e, const std::vector<RunResults>& results,
                     const ReportContext& context, bool with_figure) {
  std::string out = fmt::format("# {}\n\n{}\n\n", e.name, e.description);
  out += fmt::format(
      "The paper's numbers are one run of each setting on MNIST, its only data set; valley's "
      "are the mean ± sample standard deviation over seeds 1–{} on the data named below.\n\n",
      context.n_seeds);
  out += markdown_table(e, results, context.n_seeds);
  if (with_figure) out += "\n![figure](figure.png)\n";
  out += "\n## How this was made\n\n";
  out += fmt::format("- command: `{}`\n", context.command);
  out += fmt::format("- valley {} on {}, {}\n", kVersion, cpu_model(), threads_used(results));
  out += fmt::format("- data: {}\n", context.data);
  out += fmt::format("- experiment file: `{}`\n", e.file.string());
  out += fmt::format(
      "- each run and seed: `{}/runs/<run>/seed-<s>/` (config.json, metrics.csv, "
      "summary.json); every row: `runs.csv`{}\n\n",
      context.out_dir.string(), with_figure ? "; figure: `figure.gp`, `curves/<run>.csv`" : "");
  out += "| run | the same run by hand |\n|---|---|\n";
  for (const ExperimentRun& run : e.runs)
    out += fmt::format("| `{}` | `{}` |\n", run.name, train_command(run));
  return out;
}

}  // namespace

std::string runs_csv(const Experiment& experiment, const std::vector<RunResults>& results) {
  std::string out =
      "run,label,seed,status,update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,"
      "gradient_evals,ess\n";
  for (const RunResults& r : results) {
    std::string label = experiment.run(r.run).label;
    if (label.find_first_of(",\"\n") != std::string::npos) {
      std::string quoted = "\"";
      for (char c : label) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      label = quoted + "\"";
    }
    for (const SeedResult& s : r.seeds)
      for (const MetricsRow& m : s.rows)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.run, label, s.seed, s.status,
                           m.update, m.seconds, m.train_loss, m.test_accuracy, m.test_loss, m.tau,
                           m.loss_evals, m.gradient_evals, m.ess);
  }
  return out;
}

ReportFiles write_report(const Experiment& experiment, const ReportContext& context) {
  const std::vector<RunResults> results = read_run_results(experiment, context.out_dir, context.n_seeds);
  ReportFiles files;
  files.dir = context.out_dir / experiment.name;
  files.markdown = files.dir / "report.md";
  files.csv = files.dir / "runs.csv";
  make_output_directory(files.dir, "--out");
  write_file_atomically(files.csv, runs_csv(experiment, results));
  write_file_atomically(files.markdown,
                        markdown(experiment, results, context, experiment.figure.has_value()));
  if (experiment.figure) {
    const FigureFiles figure =
        draw_figure(experiment, *experiment.figure, results, context.n_seeds, files.dir);
    files.figure_script = figure.script;
    if (figure.drawn) files.figure = figure.png;
  }
  return files;
}

}  // namespace valley
