// The `final` table's second part, at equal wall time, read from metrics
// rows whose seconds and evaluation counts are chosen by hand.
#include "valley/reproduce/report_table.h"

#include <gtest/gtest.h>

#include "reproduce/tiny_experiment.h"
#include "support/temp_dir.h"

namespace valley {
namespace {

// Rows at updates 0, step, 2·step, … with `seconds` and `evals` per update and
// accuracy 0.1·(row number).
SeedResult seed_rows(uint64_t seed, int64_t step, int n_rows, double seconds, double evals) {
  SeedResult s;
  s.seed = seed;
  s.status = "completed";
  for (int r = 0; r < n_rows; ++r) {
    MetricsRow row;
    row.update = r * step;
    row.seconds = r == 0 ? 0.0 : seconds;
    row.gradient_evals = r == 0 ? 0.0 : evals;
    row.test_accuracy = 0.1 * r;
    row.test_loss = 1.0 / (1 + r);
    s.rows.push_back(row);
  }
  s.seconds_per_update = seconds;
  return s;
}

TEST(ReportTable, EqualWallTimeReadsEveryRunWithinTheFastestRunsTime) {
  testing::TempDir dir;
  nlohmann::json doc = testing::tiny_experiment();
  doc["runs"] = nlohmann::json::parse(R"([
    {"name": "fast", "label": "Fast", "settings": {"method": "sgd"}},
    {"name": "slow", "label": "Slow", "settings": {"method": "sam"}},
    {"name": "big", "label": "Big", "settings": {"method": "sgd", "net": "784-20-10"}}
  ])");
  doc["table"] = {{"kind", "final"}, {"equal_time", true}};
  doc.erase("figure");
  testing::write_json(dir / "e.json", doc);
  const Experiment e = read_experiment(dir / "e.json");
  // fast: 6 updates of 1 s (totals 0, 2, 4, 6); slow: 3 s per update, evaluated
  // every update (0, 3, 6, 9, …), 2 ∇f each; big: another net, its own budget.
  const std::vector<RunResults> results = {
      {"fast", {seed_rows(1, 2, 4, 1.0, 1.0), seed_rows(2, 2, 4, 1.0, 1.0)}},
      {"slow", {seed_rows(1, 1, 7, 3.0, 2.0), seed_rows(2, 1, 7, 3.0, 2.0)}},
      {"big", {seed_rows(1, 2, 4, 5.0, 1.0), seed_rows(2, 2, 4, 5.0, 1.0)}}};
  const std::string md = markdown_table(e, results, 2);
  // budget 6 s on 784-10: fast at its end (update 6), slow at update 2 (6 s, 4 ∇f)
  EXPECT_NE(md.find("| Fast | 6 | 6 ± 0 | 6 ± 0 | 0.3000 ± 0.0000 | 0.2500 ± 0.0000 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| Slow | 6 | 2 ± 0 | 4 ± 0 | 0.2000 ± 0.0000 | 0.3333 ± 0.0000 |"), std::string::npos)
      << md;
  // the other net's budget is its own run's whole time
  EXPECT_NE(md.find("| Big | 30 | 6 ± 0 | 6 ± 0 | 0.3000 ± 0.0000 |"), std::string::npos) << md;
  // and the first table still reads each run at its end
  EXPECT_NE(md.find("| Slow | 6 | 12 | 0 |"), std::string::npos) << md;

  // A seed that took longer is read earlier.
  std::vector<RunResults> slower = results;
  slower[0].seeds[1] = seed_rows(2, 2, 4, 2.0, 1.0);  // fast seed 2: totals 0, 4, 8, 12; mean total 9
  slower[1].seeds = {seed_rows(1, 1, 4, 3.0, 2.0)};   // slow: one seed, 9 s
  const std::string md2 = markdown_table(e, slower, 2);
  EXPECT_NE(md2.find("| Fast | 9 | 5 ± 1 | 5 ± 1 |"), std::string::npos) << md2;
}

}  // namespace
}  // namespace valley
