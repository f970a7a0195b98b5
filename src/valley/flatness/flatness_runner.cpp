// valley flatness RUN_DIR… --out DIR (flatness/flatness_runner.h).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "valley/backends/backend.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/files.h"
#include "valley/core/stop_signal.h"
#include "valley/core/version.h"
#include "valley/data/dataset.h"
#include "valley/flatness/flatness_report.h"
#include "valley/flatness/flatness_runner.h"
#include "valley/flatness/measure_run.h"
#include "valley/flatness/subset_net.h"
#include "valley/model/model_file.h"
#include "valley/model/net_fit.h"
#include "valley/plot/gnuplot.h"
#include "valley/train/results.h"
#include "valley/train/run_data.h"

namespace valley {
namespace {

int64_t parse_subset(const std::string& text) {
  if (text == "all") return -1;
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || n < 1)
    fail("--subset must be a positive number of images or 'all' (got '{}')", text);
  return n;
}

std::string run_label(const std::filesystem::path& dir) {
  const std::filesystem::path p = dir.lexically_normal();
  const std::string name = p.filename().string();
  return name.empty() ? p.parent_path().filename().string() : name;
}

// The label of each run: its directory's name, with the parent's prepended
// where two runs share a name (runs/sgd/seed-1, runs/is/seed-1).
std::vector<std::string> run_labels(const std::vector<std::string>& runs) {
  std::vector<std::string> labels;
  for (const std::string& r : runs) labels.push_back(run_label(r));
  for (std::size_t i = 0; i < labels.size(); ++i)
    for (std::size_t j = 0; j < labels.size(); ++j)
      if (i != j && labels[i] == run_label(runs[j])) {
        const std::filesystem::path p = std::filesystem::path(runs[i]).lexically_normal();
        const std::filesystem::path parent = (p.filename().empty() ? p.parent_path() : p).parent_path();
        labels[i] = parent.filename().string() + "/" + run_label(runs[i]);
        break;
      }
  return labels;
}

class StatusLine {
 public:
  StatusLine() : tty_(::isatty(STDERR_FILENO) == 1) {}
  void show(const std::string& text) {
    if (tty_) {
      fmt::print(stderr, "\r\033[K{}", text);
      std::fflush(stderr);
    }
  }
  void line(const std::string& text) {
    if (tty_) fmt::print(stderr, "\r\033[K");
    fmt::print(stderr, "{}\n", text);
  }
  ~StatusLine() {
    if (tty_) fmt::print(stderr, "\r\033[K");
  }

 private:
  bool tty_;
};

}  // namespace

void validate(const FlatnessRequest& o) {
  if (o.runs.empty()) fail("give at least one run directory");
  if (o.n_threads < 1 || o.n_threads > 256) fail("--threads must be between 1 and 256 (got {})", o.n_threads);
  if (!o.between.empty() && o.between.size() != 2)
    fail("--between takes two run directories (got {})", o.between.size());
  if (!o.labels.empty() && o.labels.size() != o.runs.size()) fail("one label per run is needed");
  if (!o.subset.empty()) parse_subset(o.subset);
  if (o.other_data && o.data_dir.empty())
    fail("--other-data applies only with --data DIR: the data to measure on instead of the runs'");
}

FlatnessStudy::FlatnessStudy(const FlatnessRequest& o) : request_(o) {
  validate(o);
  requested_subset_ = o.subset.empty() ? (o.quick ? 2000 : 10000) : parse_subset(o.subset);
  // Load every model first: a bad run fails before any work is done.
  for (const std::string& run : o.runs) models_.push_back(load_model(run));
  if (!o.between.empty()) {
    between_models_.emplace(load_model(o.between[0]), load_model(o.between[1]));
    if (between_models_->first.net.widths != between_models_->second.net.widths)
      fail("--between: {} is a {} net but {} is a {} net", o.between[0], between_models_->first.net.str(),
           o.between[1], between_models_->second.net.str());
  }
  if (o.out_dir.empty()) return;
  // What train refuses, flatness refuses: a directory that holds a run is
  // not flatness's to write into. A directory created here is removed again
  // if the study fails (created_), and no other valley writes into it while
  // this one does (lock_).
  const std::filesystem::path out = o.out_dir;
  expect_printable_path(out, "--out");
  expect_not_a_run_directory(out, "--out");
  created_ = std::make_unique<CreatedDirectory>(make_output_directory(out, "--out"), true);
  lock_ = DirectoryLock(out, "--out");
}

FlatnessResult FlatnessStudy::measure(const FlatnessProgress& progress) const {
  const FlatnessRequest& o = request_;
  const int64_t requested = requested_subset_;
  FlatnessSettings settings = FlatnessSettings::defaults(o.quick);
  settings.seed = o.seed;
  auto backend = make_cpu_backend(o.n_threads);
  // Each run's data (train/run_data.h: --data, checked against what the run
  // recorded unless --other-data, else the run's own data), loaded once
  // for the runs that share it.
  std::map<std::string, DataSplit> data_cache;
  const auto data_for =
      [&](const std::string& run,
          const ModelFile& model) -> std::tuple<std::string, const DataSplit*, std::string> {
    ChosenData chosen = choose_model_data(
        run, model, o.data_dir.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.data_dir),
        o.other_data, run);
    const std::string key = chosen.data.identity.dump();
    auto found = data_cache.find(key);
    if (found == data_cache.end()) found = data_cache.emplace(key, std::move(chosen.data)).first;
    return {chosen.dir.string(), &found->second, chosen.origin};
  };

  const std::vector<std::string> labels = o.labels.empty() ? run_labels(o.runs) : o.labels;
  FlatnessResult result;
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json seconds = nlohmann::json::object();
  for (std::size_t r = 0; r < models_.size(); ++r) {
    const ModelFile& model = models_[r];
    const auto [data_dir, data, data_origin] = data_for(o.runs[r], model);
    const Dataset& train = data->train;
    check_net_fits_data(model.net, *data, o.runs[r]);
    // The default subset is at most the whole training set (the default data
    // set holds 9,000 training images); an explicit --subset must fit.
    if (!o.subset.empty() && requested > train.n)
      fail("--subset {}: the training files of {} hold only {} images", requested, data_dir, train.n);
    const int64_t n = requested < 0 ? train.n : std::min(requested, train.n);
    SubsetNet net(model.net, train.images.data(), train.labels.data(), n, *backend);
    SubsetNet test_net(model.net, data->test.images.data(), data->test.labels.data(), data->test.n, *backend);
    const std::string prefix = fmt::format("valley flatness: [{}/{}] {}", r + 1, models_.size(), labels[r]);
    // Finite weights can still overflow; every measure would be garbage.
    for (const auto& [what, images, subset] :
         {std::tuple{"loss subset", &train, &net}, std::tuple{"test set", &data->test, &test_net}})
      if (const double loss = subset->score(model.x).loss; !std::isfinite(loss))
        fail(
            "{}: the mean cross-entropy on the {} ({}) is {}: the network's outputs are not finite (its "
            "largest |weight| is {:g}); the model cannot be measured",
            o.runs[r], what, images->source, loss, static_cast<double>(model.x.cwiseAbs().maxCoeff()));
    progress.line(
        fmt::format("{} ({}, {} images of {}: {})", prefix, model.net.str(), n, data_dir, data_origin));
    MeasuredRun run;
    run.label = labels[r];
    const auto t0 = std::chrono::steady_clock::now();
    run.measures = measure_run(net, model.x, settings,
                               [&](const std::string& part) { progress.show(prefix + ": " + part); });
    const SubsetNet::Score test = test_net.score(model.x);
    const auto get_meta = [&](const char* k) {
      const auto it = model.metadata.find(k);
      return it == model.metadata.end() ? std::string() : it->second;
    };
    run.json = {{"label", run.label},
                {"run", o.runs[r]},
                {"net", model.net.str()},
                {"method", get_meta("method")},
                {"seed", get_meta("seed")},
                {"updates", get_meta("updates")},
                {"subset", {{"data", data_dir}, {"images", n}, {"first_of", "training files, file order"}}},
                {"test", {{"images", data->test.n}, {"loss", test.loss}, {"accuracy", test.accuracy}}},
                {"weight_norms", weight_norms(model.net, model.x)},
                {"measures", run.measures.json}};
    run.measures.seconds["total"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    seconds[run.label] = run.measures.seconds;
    result.runs.push_back(std::move(run));
  }
  if (between_models_) {
    const ModelFile& a = between_models_->first;
    const auto [data_dir, data, data_origin] = data_for(o.between[0], a);
    check_net_fits_data(a.net, *data, o.between[0]);
    const int64_t n = requested < 0 ? data->train.n : std::min(requested, data->train.n);
    SubsetNet net(a.net, data->train.images.data(), data->train.labels.data(), n, *backend);
    progress.show("valley flatness: interpolation between " + o.between[0] + " and " + o.between[1]);
    result.between = Between{run_label(o.between[0]), run_label(o.between[1]),
                             interpolate(net, a.x, between_models_->second.x, settings.n_points_between)};
  }

  nlohmann::json runs_json = nlohmann::json::array();
  for (const MeasuredRun& run : result.runs) runs_json.push_back(run.json);
  result.doc = {{"valley_version", kVersion},
                {"settings", settings.to_json()},
                {"subset_requested", requested < 0 ? nlohmann::json("all") : nlohmann::json(requested)},
                {"runs", runs_json}};
  if (result.between) {
    nlohmann::json curve = nlohmann::json::array();
    for (const LandscapePoint& p : result.between->curve)
      curve.push_back({{"alpha", p.alpha}, {"loss", p.score.loss}, {"accuracy", p.score.accuracy}});
    result.doc["between"] = {{"a", o.between[0]}, {"b", o.between[1]}, {"curve", curve}};
  }
  seconds["all"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.doc["seconds"] = seconds;
  return result;
}

std::optional<std::size_t> write_flatness(const std::filesystem::path& dir, const FlatnessResult& result) {
  const std::vector<std::string> pngs = write_flatness_files(dir, result.runs, result.between);
  write_file_atomically(dir / "flatness.json", result.doc.dump(2) + "\n");
  if (!gnuplot_available()) return std::nullopt;
  run_gnuplot(dir / "flatness.gp", dir, pngs);
  return pngs.size();
}

void run_flatness(const FlatnessRequest& o) {
  if (o.out_dir.empty()) fail("--out DIR is required: where flatness.json and the figures go");
  const FlatnessStudy study(o);
  FlatnessResult result;
  // A stop signal (core/stop_signal.h) ends the measuring within one
  // evaluation of the loss (subset_net.h), and nothing is written.
  try {
    {
      StatusLine status;
      result = study.measure({[&](const std::string& text) {
                                throw_if_stopped("flatness");
                                status.line(text);
                              },
                              [&](const std::string& text) {
                                throw_if_stopped("flatness");
                                status.show(text);
                              }});
    }
    throw_if_stopped("flatness");
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), fmt::format("--out {}: interrupted by {}; nothing was written", o.out_dir,
                                              signal_name(e.signal())));
  }
  const std::filesystem::path out = o.out_dir;
  const std::optional<std::size_t> n_figures = write_flatness(out, result);
  fmt::print("{}", o.brief ? flatness_summary_table(result.runs) : flatness_table(result.runs));
  if (n_figures)
    fmt::print("wrote {} (flatness.json, CSV files, {} figures)\n", out.string(), *n_figures);
  else
    fmt::print("gnuplot not found: wrote {} (flatness.json, CSV files, flatness.gp), skipped the figures\n",
               out.string());
}

}  // namespace valley
