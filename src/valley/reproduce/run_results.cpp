#include "valley/reproduce/run_results.h"

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {
namespace {

constexpr const char* kMetricsHeader =
    "update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,gradient_evals,ess";

std::string read_text(const std::filesystem::path& file) {
  expect_regular_file(file);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{}: cannot read", file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json(const std::filesystem::path& file) {
  try {
    return nlohmann::json::parse(read_text(file));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    fail("{}: not valid JSON: {}", file.string(), one_line(e.what()));
  }
}

double parse_number(const std::string& field, const std::filesystem::path& file, int line) {
  char* end = nullptr;
  const double value = std::strtod(field.c_str(), &end);
  if (field.empty() || *end != '\0') fail("{}:{}: '{}' is not a number", file.string(), line, field);
  return value;
}

}  // namespace

std::filesystem::path seed_run_dir(const std::filesystem::path& out_dir, const std::string& run,
                                   uint64_t seed) {
  return out_dir / "runs" / run / fmt::format("seed-{}", seed);
}

std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& file) {
  std::istringstream in(read_text(file));
  std::string line;
  if (!std::getline(in, line) || line != kMetricsHeader)
    fail("{}: expected the header '{}'", file.string(), kMetricsHeader);
  std::vector<MetricsRow> rows;
  for (int number = 2; std::getline(in, line); ++number) {
    std::vector<double> v;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, ',');) v.push_back(parse_number(field, file, number));
    if (v.size() != 9) fail("{}:{}: expected 9 columns (got {})", file.string(), number, v.size());
    rows.push_back({static_cast<int64_t>(v[0]), v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]});
  }
  return rows;
}

std::vector<RunResults> read_run_results(const Experiment& experiment, const std::filesystem::path& out_dir,
                                         int64_t n_seeds) {
  std::vector<RunResults> results;
  for (const ExperimentRun& run : experiment.runs) {
    RunResults r{run.name, {}};
    for (int64_t s = 1; s <= n_seeds; ++s) {
      const auto seed = static_cast<uint64_t>(s);
      const std::filesystem::path dir = seed_run_dir(out_dir, run.name, seed);
      if (!std::filesystem::exists(dir / "summary.json")) continue;
      const nlohmann::json summary = read_json(dir / "summary.json");
      SeedResult seed_result;
      seed_result.seed = seed;
      seed_result.status = summary.value("status", "");
      seed_result.error = summary.value("error", "");
      seed_result.seconds_per_update = seed_result.status == "completed"
                                           ? summary.value("seconds_per_update", 0.0)
                                           : std::numeric_limits<double>::quiet_NaN();
      seed_result.rows = read_metrics_csv(dir / "metrics.csv");
      seed_result.n_threads = read_json(dir / "config.json").value("threads", int64_t{0});
      r.seeds.push_back(std::move(seed_result));
    }
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<RunningTotals> running_totals(const std::vector<MetricsRow>& rows) {
  std::vector<RunningTotals> totals(rows.size());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    // a row holds per-update averages since the previous row
    const auto n = static_cast<double>(rows[i].update - rows[i - 1].update);
    totals[i].evaluations = totals[i - 1].evaluations + n * (rows[i].gradient_evals + rows[i].loss_evals);
    totals[i].seconds = totals[i - 1].seconds + n * rows[i].seconds;
  }
  return totals;
}

double metric_value(const MetricsRow& row, const std::string& metric) {
  if (metric == "test_accuracy") return row.test_accuracy;
  if (metric == "test_loss") return row.test_loss;
  if (metric == "train_loss") return row.train_loss;
  if (metric == "tau") return row.tau;
  fail("unknown metric '{}' (valid: test_accuracy, test_loss, train_loss, tau)", metric);
}

}  // namespace valley
