#include "valley/reproduce/experiment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "reproduce/tiny_experiment.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"

namespace valley {
namespace {

using testing::TempDir;
using Json = nlohmann::json;

TEST(ReproduceExperiment, ReadsRunsTableAndFigure) {
  TempDir dir;
  testing::write_json(dir / "tiny.json", testing::tiny_experiment());
  const Experiment e = read_experiment(dir / "tiny.json");
  EXPECT_EQ(e.name, "tiny");
  ASSERT_EQ(e.runs.size(), 2u);
  // Shared settings reach every run; a run's own settings add to them.
  EXPECT_EQ(e.runs[0].config.net, "784-10");
  EXPECT_EQ(e.runs[0].config.n_updates, 6);
  EXPECT_EQ(e.runs[0].config.eval_every, 2);
  EXPECT_EQ(e.runs[0].config.method.name, "sgd");
  EXPECT_EQ(e.runs[0].config.method.sgd.lr, 0.05);
  EXPECT_EQ(e.runs[0].color, "red");
  EXPECT_EQ(e.runs[1].config.method.name, "is");
  EXPECT_EQ(e.runs[1].config.method.n_samples, 8);
  EXPECT_EQ(e.runs[1].config.batch_size, 10);
  EXPECT_EQ(e.runs[1].label, "IS");
  EXPECT_EQ(e.table.kind, TableSpec::Kind::accuracy);
  EXPECT_EQ(e.table.at_updates, (std::vector<int64_t>{2, 4, 6}));
  ASSERT_EQ(e.table.paper_accuracy.size(), 1u);
  EXPECT_EQ(e.table.paper_accuracy[0].first, "sgd");
  EXPECT_EQ(e.table.paper_accuracy[0].second, (std::vector<double>{0.5, 0.6, 0.7}));
  ASSERT_TRUE(e.figure.has_value());
  EXPECT_EQ(e.figure->rows, 1);
  EXPECT_EQ(e.figure->cols, 1);
  EXPECT_EQ(e.figure->panels[0].runs, (std::vector<std::string>{"sgd", "is"}));
}

// Each mistake ends in one line that names the file and the key.
TEST(ReproduceExperiment, RejectsMistakesNamingTheFileAndTheKey) {
  TempDir dir;
  const std::filesystem::path file = dir / "bad.json";
  const std::vector<std::pair<std::function<void(Json&)>, std::string>> cases = {
      {[](Json& j) { j["runz"] = 1; }, "bad.json: unknown key 'runz'"},
      {[](Json& j) { j.erase("description"); }, "bad.json: missing key 'description'"},
      {[](Json& j) { j["description"] = 1; }, "bad.json: description: expected a string"},
      {[](Json& j) { j["settings"] = Json::array(); }, "bad.json: settings: expected an object (got array)"},
      {[](Json& j) { j["runs"][1]["settings"]["tua"] = 1; }, "runs[1].settings: unknown key 'tua'"},
      {[](Json& j) { j["runs"][1]["settings"]["tau"] = "big"; }, "runs[1].settings.tau: expected a number"},
      {[](Json& j) { j["runs"][1]["settings"]["samples"] = 2.5; },
       "runs[1].settings.samples: expected an integer"},
      {[](Json& j) { j["runs"][0]["settings"]["tau"] = 0.1; },
       "runs[0].settings.tau: does not apply to method 'sgd'"},
      {[](Json& j) { j["settings"]["eps0"] = 10; }, "settings.eps0: does not apply to method 'sgd'"},
      {[](Json& j) { j["runs"][1]["settings"]["tau"] = -1; }, "runs[1] 'is': --tau must be"},
      {[](Json& j) { j["runs"][1]["settings"]["method"] = "adam"; },
       "runs[1] 'is': --method: unknown method 'adam'"},
      {[](Json& j) { j["runs"][1]["settings"]["seed"] = 3; },
       "runs[1].settings: 'seed' is not set by the experiment file"},
      {[](Json& j) { j["runs"][1]["name"] = "sgd"; }, "runs[1].name: 'sgd' names two runs"},
      {[](Json& j) { j["runs"][1]["name"] = "../up"; }, "runs[1].name: '../up' is not a directory name"},
      {[](Json& j) { j["runs"][1]["color"] = "red;"; }, "runs[1].color"},
      {[](Json& j) { j["runs"] = Json::array(); }, "bad.json: runs: expected a non-empty array"},
      {[](Json& j) { j["table"]["kind"] = "speed"; },
       "table.kind: expected 'accuracy', 'seconds' or 'final'"},
      {[](Json& j) {
         j["table"]["at_updates"] = {2, 3};
       },
       "table.at_updates: run 'sgd' is evaluated every 2 updates up to 6, not at update 3"},
      {[](Json& j) {
         j["table"]["at_updates"] = {4, 2};
       },
       "table.at_updates: must increase"},
      {[](Json& j) { j["table"]["paper"]["sgd"] = {0.5}; },
       "table.paper.sgd: expected an array of 3 numbers"},
      {[](Json& j) {
         j["table"]["paper"]["nope"] = {1, 2, 3};
       },
       "table.paper: unknown run 'nope' (runs: sgd, is)"},
      {[](Json& j) {
         j["table"] = {{"kind", "seconds"}, {"baseline", "none"}};
       },
       "table.baseline: unknown run 'none'"},
      {[](Json& j) { j.erase("table"); }, "bad.json: missing key 'table'"},
      {[](Json& j) {
         j["figure"]["panels"][0]["runs"] = {"sgd", "nope"};
       },
       "figure.panels[0].runs: unknown run 'nope'"},
      {[](Json& j) {
         j["figure"]["layout"] = {1, 0};
       },
       "figure.layout: expected [rows, cols]"},
      {[](Json& j) {
         j["figure"]["panels"].push_back(j["figure"]["panels"][0]);
         j["figure"]["layout"] = {1, 1};
       },
       "figure.layout: 1 × 1 has room for fewer than the 2 panels"},
      {[](Json& j) { j["figure"]["metric"] = "speed"; }, "figure.metric: 'speed' is not one of"},
      {[](Json& j) { j["figure"]["panels"][0]["metric"] = "speed"; },
       "figure.panels[0].metric: 'speed' is not one of"},
      {[](Json& j) { j["figure"]["x"] = "seconds"; },
       "figure.x: expected 'updates' or 'evaluations' (got 'seconds')"},
      {[](Json& j) {
         j["table"] = {{"kind", "final"}, {"equal_time", 1}};
       },
       "table.equal_time: expected true or false"},
      {[](Json& j) {
         j["table"] = {{"kind", "accuracy"}, {"equal_time", true}};
       },
       "table: unknown key 'equal_time'"},
      {[](Json& j) {
         j["flatness"] = {{"seeds", 0}};
       },
       "flatness.seeds: expected a number of seeds ≥ 1"},
  };
  for (const auto& [mutate, needle] : cases) {
    Json doc = testing::tiny_experiment();
    mutate(doc);
    testing::write_json(file, doc);
    try {
      read_experiment(file);
      ADD_FAILURE() << "accepted a file that should fail with: " << needle;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(needle), std::string::npos) << message;
      EXPECT_NE(message.find(file.string()), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  testing::write_bytes(file, "{\"description\": ");
  EXPECT_THROW(
      {
        try {
          read_experiment(file);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("bad.json: not valid JSON"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
}

TEST(ReproduceExperiment, FindsExperimentsByNameOrPathAndListsTheValidNames) {
  TempDir dir;
  testing::write_json(dir / "a.json", testing::tiny_experiment());
  testing::write_json(dir / "b.json", testing::tiny_experiment());
  testing::write_bytes(dir / "notes.txt", "not an experiment");
  EXPECT_EQ(experiment_files(dir.path()),
            (std::vector<std::filesystem::path>{dir / "a.json", dir / "b.json"}));
  EXPECT_EQ(find_experiment(dir.path(), "b"), dir / "b.json");
  EXPECT_EQ(find_experiment("/nowhere", (dir / "a.json").string()), dir / "a.json");
  try {
    find_experiment(dir.path(), "c");
    ADD_FAILURE() << "found an experiment that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown experiment 'c' (valid: a, b,"), std::string::npos)
        << e.what();
  }
}

// The experiment files shipped under experiments/: each reads, each has the
// paper's settings, and a run name shared between files (so that its
// trainings are shared in one --out) means the same training everywhere.
TEST(ReproduceExperiment, ShippedExperimentsHaveThePapersSettingsAndAgreeOnSharedRuns) {
  std::map<std::string, Experiment> shipped;
  for (const auto& file : experiment_files(VALLEY_SOURCE_EXPERIMENTS)) {
    Experiment e = read_experiment(file);
    shipped.emplace(e.name, std::move(e));
  }
  for (const char* name : {"table1", "table2", "fig4", "fig5", "fig6", "fig7", "fig8"})
    ASSERT_TRUE(shipped.count(name)) << name << ".json is missing";

  std::map<std::string, std::pair<std::string, Json>> trainings;  // run → (file, settings)
  for (const auto& [name, e] : shipped)
    for (const ExperimentRun& run : e.runs) {
      Json settings = to_json(run.config);
      settings.erase("out");
      const auto [it, inserted] = trainings.emplace(run.name, std::make_pair(name, settings));
      EXPECT_TRUE(inserted || it->second.second == settings)
          << "run '" << run.name << "' differs between " << it->second.first << " and " << name;
    }

  const Experiment& t1 = shipped.at("table1");
  ASSERT_EQ(t1.runs.size(), 4u);
  for (const ExperimentRun& run : t1.runs) {
    EXPECT_EQ(run.config.net, "784-200-10");
    EXPECT_EQ(run.config.n_updates, 500);
    EXPECT_EQ(run.config.batch_size, 20);
    EXPECT_EQ(run.config.eval_size, 1000);
    if (run.config.method.name == "sgd") {
      EXPECT_EQ(run.config.method.sgd.lr, 0.01);
    } else {
      EXPECT_EQ(run.config.method.regularization.tau, 0.01);
    }
  }
  EXPECT_EQ(t1.run("sgld").config.method.sgld.eps_0, 1000.0);
  EXPECT_EQ(t1.run("heat").config.method.heat_iterations(), 30);
  EXPECT_EQ(t1.run("heat").config.method.heat_draws(), 30);
  EXPECT_EQ(t1.table.at_updates, (std::vector<int64_t>{100, 200, 300, 400, 500}));
  const std::map<std::string, std::vector<double>> paper(t1.table.paper_accuracy.begin(),
                                                         t1.table.paper_accuracy.end());
  EXPECT_EQ(paper.at("sgd"), (std::vector<double>{0.75, 0.80, 0.85, 0.87, 0.87}));
  EXPECT_EQ(paper.at("is"), (std::vector<double>{0.27, 0.45, 0.54, 0.57, 0.65}));
  EXPECT_EQ(paper.at("sgld"), (std::vector<double>{0.72, 0.81, 0.84, 0.86, 0.88}));
  EXPECT_EQ(paper.at("heat"), (std::vector<double>{0.52, 0.64, 0.70, 0.73, 0.76}));

  const Experiment& t2 = shipped.at("table2");
  EXPECT_EQ(t2.table.kind, TableSpec::Kind::seconds);
  EXPECT_EQ(t2.table.baseline, "sgd");
  const std::map<std::string, double> seconds(t2.table.paper_seconds.begin(), t2.table.paper_seconds.end());
  EXPECT_EQ(seconds, (std::map<std::string, double>{
                         {"sgd", 0.0032}, {"is", 6.2504}, {"sgld", 7.0599}, {"heat", 3.3053}}));

  const Experiment& f5 = shipped.at("fig5");
  EXPECT_EQ(f5.run("sgd-then-sgld").config.method.sgld.eps_0, 2000.0);
  for (const ExperimentRun& run : f5.runs)
    if (run.config.method.name != "sgd") {
      EXPECT_GT(run.config.method.sgd_first, 0) << run.name;
      EXPECT_EQ(run.config.method.sgd.lr, run.config.method.regularization.tau) << run.name;
    }

  const Experiment& f6 = shipped.at("fig6");
  EXPECT_EQ(f6.run("heat-s10").config.method.heat_iterations(), 3);
  EXPECT_EQ(f6.run("heat-s100").config.method.heat_draws(), 10);
  EXPECT_EQ(f6.run("heat-s1000").config.method.heat_iterations(), 31);
  EXPECT_EQ(f6.run("is-s10").config.method.sgld_is_samples(), 10);

  const Experiment& f7 = shipped.at("fig7");
  std::set<std::pair<std::string, double>> swept;
  for (const ExperimentRun& run : f7.runs) {
    EXPECT_EQ(run.config.net, "784-10") << run.name;
    swept.insert({run.config.method.name, run.config.method.regularization.tau});
  }
  for (const char* method : {"sgld", "is"})
    for (double tau : {0.001, 0.01, 0.1, 1.0})
      EXPECT_TRUE(swept.count({method, tau})) << method << " τ = " << tau;
  EXPECT_EQ(f7.figure->rows * f7.figure->cols, 6);

  const Experiment& f8 = shipped.at("fig8");
  const MethodConfig& scoping = f8.run("sgld-scoping").config.method;
  EXPECT_EQ(scoping.regularization.schedule, "scoping");
  EXPECT_EQ(scoping.regularization.tau_0, 1.5);
  EXPECT_EQ(scoping.regularization.tau_1, 0.01);
  EXPECT_EQ(f8.run("sgld-reverse-scoping").config.method.regularization.schedule, "reverse-scoping");
  EXPECT_EQ(f8.run("sgld-tau1.5").config.method.regularization.tau, 1.5);
  EXPECT_EQ(f8.run("sgd").config.method.sgd.lr, 0.01);
}

}  // namespace
}  // namespace valley
