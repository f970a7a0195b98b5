// A tiny experiment end to end: trainings for every run and seed, resumed
// on a second call, and the report (table, figure, CSV) with the right rows.
#include "valley/reproduce/runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "reproduce/tiny_experiment.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/reproduce/gnuplot_figure.h"
#include "valley/reproduce/report.h"
#include "valley/reproduce/run_results.h"

namespace valley {
namespace {

using testing::TempDir;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

class ReproduceRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 200, 40);
    data_ = load_data_dir(dir_ / "data");
    options_.out_dir = dir_ / "out";
    options_.n_seeds = 2;
    options_.progress = false;
  }

  Experiment write_and_read(const nlohmann::json& doc, const std::string& name = "tiny") {
    testing::write_json(dir_ / (name + ".json"), doc);
    return read_experiment(dir_ / (name + ".json"));
  }

  std::vector<TrainingRecord> run(const Experiment& e) {
    return run_experiment(e, options_, data_, [this](const std::string& line) { log_ += line + "\n"; });
  }

  ReportFiles report(const Experiment& e) {
    return write_report(e, {options_.out_dir, options_.n_seeds, "valley reproduce tiny", "synthetic"});
  }

  TempDir dir_;
  DataSplit data_;
  ReproduceOptions options_;
  std::string log_;
};

TEST_F(ReproduceRunner, TrainsEveryRunAndSeedAndWritesTheReport) {
  const Experiment e = write_and_read(testing::tiny_experiment());
  const std::vector<TrainingRecord> records = run(e);
  ASSERT_EQ(records.size(), 4u);  // 2 runs × 2 seeds
  for (const TrainingRecord& r : records) {
    EXPECT_EQ(r.before, RunState::absent) << r.run << " seed " << r.seed;
    EXPECT_EQ(r.status, "completed") << r.run << " seed " << r.seed;
    const auto run_dir = seed_run_dir(options_.out_dir, r.run, r.seed);
    for (const char* file : {"config.json", "metrics.csv", "summary.json", "reproduce.json"})
      EXPECT_TRUE(std::filesystem::exists(run_dir / file)) << run_dir / file;
    // The raw CSV: a row at update 0, 2, 4, 6.
    EXPECT_EQ(read_metrics_csv(run_dir / "metrics.csv").size(), 4u);
  }
  EXPECT_EQ(std::count(log_.begin(), log_.end(), '\n'), 8) << log_;  // a line before, one after

  const ReportFiles files = report(e);
  EXPECT_EQ(files.dir, options_.out_dir / "tiny");

  // The table: the paper's row, then valley's mean ± sd over both seeds.
  const std::string md = testing::read_text(files.markdown);
  EXPECT_TRUE(has_line(md, "| run | source | 2 | 4 | 6 |")) << md;
  EXPECT_TRUE(has_line(md, "| SGD | paper | 0.50 | 0.60 | 0.70 |")) << md;
  for (const ExperimentRun& run : e.runs) {
    std::string expected = fmt::format("| {} | valley |", run.label);
    const auto a = read_metrics_csv(seed_run_dir(options_.out_dir, run.name, 1) / "metrics.csv");
    const auto b = read_metrics_csv(seed_run_dir(options_.out_dir, run.name, 2) / "metrics.csv");
    for (size_t row : {1, 2, 3}) {
      const double x = a[row].test_accuracy, y = b[row].test_accuracy;
      expected += fmt::format(" {:.3f} ± {:.3f} |", (x + y) / 2, std::abs(x - y) / std::sqrt(2.0));
    }
    EXPECT_TRUE(has_line(md, expected)) << "expected the line\n" << expected << "\nin\n" << md;
  }
  EXPECT_EQ(md.find("| IS | paper |"), std::string::npos) << "the paper gives no IS numbers here";

  // Every row of every run and seed, labelled.
  const auto csv = lines_of(testing::read_text(files.csv));
  ASSERT_EQ(csv.size(), 1u + 2 * 2 * 4);
  EXPECT_EQ(csv[0].rfind("run,label,seed,status,update,", 0), 0u) << csv[0];
  EXPECT_EQ(csv[1].rfind("sgd,SGD,1,completed,0,", 0), 0u) << csv[1];
  EXPECT_EQ(csv.back().rfind("is,IS,2,completed,6,", 0), 0u) << csv.back();

  // The figure: one curve file per run, the script, and the PNG.
  for (const char* run : {"sgd", "is"}) {
    const auto curve = lines_of(testing::read_text(files.dir / "curves" / (std::string(run) + ".csv")));
    ASSERT_EQ(curve.size(), 5u) << run;
    EXPECT_EQ(curve[0], "update,mean,sd,min,max,n_seeds,evaluations");
    EXPECT_EQ(curve[4].rfind("6,", 0), 0u) << curve[4];
    EXPECT_NE(curve[4].find(",2,"), std::string::npos) << curve[4];  // two seeds
  }
  const std::string script = testing::read_text(files.dir / "figure.gp");
  EXPECT_NE(script.find("'curves/sgd.csv' using 1:($2-$3):($2+$3) with filledcurves lc rgb 'red'"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("title 'IS'"), std::string::npos) << script;
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  ASSERT_EQ(files.figure, files.dir / "figure.png");
  const std::string png = testing::read_text(files.figure);
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

// --jobs 3: the same trainings, three at a time, give the same files (but
// for wall time), in the same records, on the CPU and through the GPU
// path's kernels.
TEST_F(ReproduceRunner, TrainingsAtOnceGiveTheSameResults) {
  nlohmann::json doc = testing::tiny_experiment();
  const Experiment e = write_and_read(doc);
  for (const char* device : {"cpu", "emulate"}) {
    options_.device = device;
    options_.n_seeds = 3;
    options_.n_jobs = 1;
    options_.out_dir = dir_ / (std::string(device) + "-one");
    const auto one = run(e);
    options_.n_jobs = 3;
    options_.out_dir = dir_ / (std::string(device) + "-three");
    const auto three = run(e);
    ASSERT_EQ(one.size(), 6u);
    ASSERT_EQ(three.size(), one.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(three[i].run, one[i].run);
      EXPECT_EQ(three[i].seed, one[i].seed);
      EXPECT_EQ(three[i].status, "completed");
      const auto metrics = [&](const std::filesystem::path& out) {
        return testing::metrics_without_seconds(
            testing::read_text(seed_run_dir(out, one[i].run, one[i].seed) / "metrics.csv"));
      };
      EXPECT_EQ(metrics(dir_ / (std::string(device) + "-three")),
                metrics(dir_ / (std::string(device) + "-one")))
          << device << " " << one[i].run << " seed " << one[i].seed;
    }
  }
  options_.n_jobs = 0;
  EXPECT_THROW(run(e), Error);
}

TEST_F(ReproduceRunner, ResumesKeepingFinishedRunsAndRedoingChangedOnes) {
  nlohmann::json doc = testing::tiny_experiment();
  run(write_and_read(doc));
  const auto sgd_metrics = seed_run_dir(options_.out_dir, "sgd", 1) / "metrics.csv";
  const auto written = std::filesystem::last_write_time(sgd_metrics);

  // Everything finished: nothing is trained again.
  for (const TrainingRecord& r : run(write_and_read(doc))) EXPECT_EQ(r.before, RunState::finished) << r.run;
  EXPECT_EQ(std::filesystem::last_write_time(sgd_metrics), written);

  // IS's settings change, a training was cut off, and a seed is added.
  doc["runs"][1]["settings"]["samples"] = 9;
  std::filesystem::remove(seed_run_dir(options_.out_dir, "sgd", 2) / "summary.json");
  options_.n_seeds = 3;
  std::map<std::pair<std::string, uint64_t>, RunState> before;
  for (const TrainingRecord& r : run(write_and_read(doc))) {
    before[{r.run, r.seed}] = r.before;
    EXPECT_EQ(r.status, "completed");
  }
  EXPECT_EQ(before.at({"sgd", 1}), RunState::finished);
  EXPECT_EQ(before.at({"sgd", 2}), RunState::unfinished);
  EXPECT_EQ(before.at({"sgd", 3}), RunState::absent);
  EXPECT_EQ(before.at({"is", 1}), RunState::changed);
  EXPECT_EQ(before.at({"is", 2}), RunState::changed);
  EXPECT_EQ(before.at({"is", 3}), RunState::absent);
  EXPECT_EQ(std::filesystem::last_write_time(sgd_metrics), written);

  // Other data: every training is redone.
  testing::write_synthetic_data_dir(dir_ / "other", 210, 40);
  data_ = load_data_dir(dir_ / "other");
  for (const TrainingRecord& r : run(write_and_read(doc))) EXPECT_EQ(r.before, RunState::changed) << r.run;
}

// The noise reading of SGLD decides the numbers: a run trained with the
// default is not kept for --sgld-noise stddev (sgld-stddev.json's runs).
TEST_F(ReproduceRunner, SgldNoiseIsPartOfARunsSettings) {
  nlohmann::json doc = testing::tiny_experiment();
  doc["runs"] = {{{"name", "sgld"},
                  {"label", "SGLD"},
                  {"settings", {{"method", "sgld"}, {"tau", 0.01}, {"samples", 4}}}}};
  doc["table"].erase("paper");
  doc["figure"]["panels"][0]["runs"] = {"sgld"};
  options_.n_seeds = 1;
  run(write_and_read(doc));
  for (const TrainingRecord& r : run(write_and_read(doc))) EXPECT_EQ(r.before, RunState::finished);
  doc["runs"][0]["settings"]["sgld-noise"] = "stddev";
  for (const TrainingRecord& r : run(write_and_read(doc))) EXPECT_EQ(r.before, RunState::changed);
  const auto config =
      nlohmann::json::parse(testing::read_text(seed_run_dir(options_.out_dir, "sgld", 1) / "config.json"));
  EXPECT_EQ(config["sgld_noise"], "stddev");
  for (const TrainingRecord& r : run(write_and_read(doc))) EXPECT_EQ(r.before, RunState::finished);
}

// A diverged training is a result: the experiment goes on, the table says
// so, and the training is not repeated (it would diverge again).
TEST_F(ReproduceRunner, RecordsADivergedRunAndKeepsIt) {
  nlohmann::json doc = testing::tiny_experiment();
  doc["runs"][0]["settings"]["lr"] = 1e38;  // the first step overflows the logits
  const Experiment e = write_and_read(doc);
  for (const TrainingRecord& r : run(e))
    EXPECT_EQ(r.status, r.run == "sgd" ? "diverged" : "completed") << r.run;
  for (const TrainingRecord& r : run(e)) EXPECT_EQ(r.before, RunState::finished) << r.run;
  const std::string md = testing::read_text(report(e).markdown);
  EXPECT_NE(md.find("- SGD (`sgd`), seed 1: diverged — update "), std::string::npos) << md;
}

TEST_F(ReproduceRunner, SecondsTableSetsThePaperBesideOursWithRatios) {
  nlohmann::json doc = testing::tiny_experiment();
  doc["table"] = {{"kind", "seconds"}, {"baseline", "sgd"}, {"paper", {{"sgd", 0.0032}, {"is", 6.2504}}}};
  doc.erase("figure");
  options_.n_seeds = 1;
  const Experiment e = write_and_read(doc);
  run(e);
  const ReportFiles files = report(e);
  EXPECT_TRUE(files.figure_script.empty());
  const std::string md = testing::read_text(files.markdown);
  EXPECT_TRUE(has_line(md, "| run | paper s/update | paper ÷ SGD | valley s/update | valley ÷ SGD |")) << md;
  const auto seconds = [&](const char* run) {
    const auto summary =
        nlohmann::json::parse(testing::read_text(seed_run_dir(options_.out_dir, run, 1) / "summary.json"));
    return summary.at("seconds_per_update").get<double>();
  };
  EXPECT_TRUE(has_line(md, fmt::format("| SGD | 0.0032 | 1 | {:.4g} | 1 |", seconds("sgd")))) << md;
  EXPECT_TRUE(has_line(md, fmt::format("| IS | 6.2504 | 1953 | {:.4g} | {:.4g} |", seconds("is"),
                                       seconds("is") / seconds("sgd"))))
      << md;
}

TEST_F(ReproduceRunner, RequiresAnOutputDirectoryAndSaneSeeds) {
  const Experiment e = write_and_read(testing::tiny_experiment());
  options_.out_dir.clear();
  EXPECT_THROW(run(e), Error);
  options_.out_dir = dir_ / "out";
  options_.n_seeds = 0;
  EXPECT_THROW(run(e), Error);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
}

// A figure against minibatch evaluations, with a panel of another metric:
// IS's 8 samples per update put its curve 8 times further along the axis.
TEST_F(ReproduceRunner, FigureAgainstMinibatchEvaluationsWithAPanelPerMetric) {
  nlohmann::json doc = testing::tiny_experiment();
  doc["figure"] = nlohmann::json::parse(R"({"title": "tiny", "x": "evaluations", "layout": [1, 2],
    "panels": [{"title": "accuracy", "runs": ["sgd", "is"]},
               {"title": "loss", "runs": ["sgd", "is"], "metric": "test_loss"}]})");
  const Experiment e = write_and_read(doc);
  run(e);
  const ReportFiles files = report(e);
  const auto last_evaluations = [&](const std::string& file) {
    const auto curve = lines_of(testing::read_text(files.dir / "curves" / file));
    EXPECT_EQ(curve.size(), 5u) << file;
    return curve.back().substr(curve.back().rfind(',') + 1);
  };
  EXPECT_EQ(last_evaluations("sgd.csv"), "6");
  EXPECT_EQ(last_evaluations("is.csv"), "48");
  EXPECT_EQ(last_evaluations("is.test_loss.csv"), "48");
  const auto is_loss = lines_of(testing::read_text(files.dir / "curves" / "is.test_loss.csv"));
  const auto is_accuracy = lines_of(testing::read_text(files.dir / "curves" / "is.csv"));
  EXPECT_NE(is_loss[4], is_accuracy[4]) << "the loss panel reads another column";
  const std::string script = testing::read_text(files.dir / "figure.gp");
  EXPECT_NE(script.find("set xlabel 'minibatch evaluations"), std::string::npos) << script;
  EXPECT_NE(script.find("'curves/is.csv' using 7:2 with lines"), std::string::npos) << script;
  EXPECT_NE(script.find("set ylabel 'held-out loss'\nset autoscale y\nset logscale y\nset title 'loss'\n"
                        "plot \\\n  'curves/sgd.test_loss.csv' using 7:($2-$3)"),
            std::string::npos)
      << script;
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  EXPECT_EQ(files.figure, files.dir / "figure.png");
}

// Long labels widen the panels so that the keys below them do not overlap.
TEST_F(ReproduceRunner, PanelsWidenForLongLabels) {
  nlohmann::json doc = testing::tiny_experiment();
  const Experiment short_labels = write_and_read(doc);
  EXPECT_NE(gnuplot_script(short_labels, *short_labels.figure, 2).find("size 720,"), std::string::npos);
  doc["runs"][0]["label"] = std::string(100, 'a');  // one key column: 100·8 + 70 pixels
  doc["runs"][1]["label"] = "ρ" + std::string(9, 'b');
  const Experiment long_labels = write_and_read(doc);
  EXPECT_NE(gnuplot_script(long_labels, *long_labels.figure, 2).find("size 870,"), std::string::npos)
      << gnuplot_script(long_labels, *long_labels.figure, 2);
}

// The `final` table of runs of different lengths at an equal budget, and
// the by-hand commands of flag-like and list settings.
TEST_F(ReproduceRunner, FinalTableCountsEachRunsEvaluations) {
  nlohmann::json doc = testing::tiny_experiment();
  doc["runs"] = nlohmann::json::parse(R"([
    {"name": "nesterov", "label": "Nesterov", "settings": {"method": "sgd", "lr": 0.01, "momentum": 0.9,
                                                            "nesterov": true, "lr-drops": [2, 4]}},
    {"name": "sam", "label": "SAM", "settings": {"method": "sam", "lr": 0.05, "updates": 3, "eval-every": 1}}
  ])");
  doc["table"] = {{"kind", "final"}};
  doc.erase("figure");
  const Experiment e = write_and_read(doc);
  run(e);
  const std::string md = testing::read_text(report(e).markdown);
  EXPECT_NE(md.find("| Nesterov | 6 | 6 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| SAM | 3 | 6 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("--momentum 0.9 --nesterov --net"), std::string::npos) << md;
  EXPECT_NE(md.find("--lr-drops 2,4"), std::string::npos) << md;
  EXPECT_EQ(md.find("--nesterov true"), std::string::npos) << md;
}

}  // namespace
}  // namespace valley
