#include "valley/reproduce/report_table.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "valley/reproduce/spread.h"

namespace valley {
namespace {

const RunResults& results_of(const std::vector<RunResults>& results, const std::string& run) {
  for (const RunResults& r : results)
    if (r.run == run) return r;
  static const RunResults none;
  return none;
}

// A label inside a table cell: '|' would end the cell.
std::string cell_text(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// The paper prints two decimals (0.80); keep more where a user gave more.
std::string paper_number(double value) {
  if (std::isnan(value)) return "—";
  const double hundredths = value * 100.0;
  return std::abs(hundredths - std::round(hundredths)) < 1e-9 ? fmt::format("{:.2f}", value)
                                                              : fmt::format("{}", value);
}

// "mean ± sd", "mean" when one seed was asked for, "(n=k)" when seeds are missing.
std::string spread_cell(const Spread& s, int64_t n_seeds, const char* mean_format, const char* sd_format) {
  if (s.n == 0) return "—";
  std::string cell = fmt::format(fmt::runtime(mean_format), s.mean);
  if (n_seeds > 1) cell += fmt::format(" ± {}", fmt::format(fmt::runtime(sd_format), s.sd));
  if (s.n < n_seeds) cell += fmt::format(" (n={})", s.n);
  return cell;
}

std::string accuracy_table(const Experiment& e, const std::vector<RunResults>& results, int64_t n_seeds) {
  std::string out = "| run | source |";
  std::string rule = "|---|---|";
  for (int64_t u : e.table.at_updates) {
    out += fmt::format(" {} |", u);
    rule += "---:|";
  }
  out += fmt::format("\n{}\n", rule);
  for (const ExperimentRun& run : e.runs) {
    for (const auto& [name, numbers] : e.table.paper_accuracy) {
      if (name != run.name) continue;
      out += fmt::format("| {} | paper |", cell_text(run.label));
      for (double v : numbers) out += fmt::format(" {} |", paper_number(v));
      out += "\n";
    }
    out += fmt::format("| {} | valley |", cell_text(run.label));
    const RunResults& r = results_of(results, run.name);
    for (int64_t u : e.table.at_updates) {
      std::vector<double> values;
      for (const SeedResult& seed : r.seeds)
        for (const MetricsRow& row : seed.rows)
          if (row.update == u) values.push_back(row.test_accuracy);
      out += fmt::format(" {} |", spread_cell(spread_of(values), n_seeds, "{:.3f}", "{:.3f}"));
    }
    out += "\n";
  }
  return out;
}

Spread seconds_spread(const RunResults& r) {
  std::vector<double> values;
  for (const SeedResult& seed : r.seeds)
    if (seed.status == "completed") values.push_back(seed.seconds_per_update);
  return spread_of(values);
}

std::string seconds_table(const Experiment& e, const std::vector<RunResults>& results, int64_t n_seeds) {
  const std::string& baseline = e.table.baseline;
  const std::string base_label = cell_text(e.run(baseline).label);
  double paper_base = std::nan("");
  for (const auto& [name, seconds] : e.table.paper_seconds)
    if (name == baseline) paper_base = seconds;
  const double valley_base = seconds_spread(results_of(results, baseline)).mean;
  std::string out = fmt::format(
      "| run | paper s/update | paper ÷ {0} | valley s/update | valley ÷ {0} |\n"
      "|---|---:|---:|---:|---:|\n",
      base_label);
  for (const ExperimentRun& run : e.runs) {
    double paper = std::nan("");
    for (const auto& [name, seconds] : e.table.paper_seconds)
      if (name == run.name) paper = seconds;
    const Spread ours = seconds_spread(results_of(results, run.name));
    const auto ratio = [](double a, double b) {
      return std::isnan(a) || std::isnan(b) ? std::string("—") : fmt::format("{:.4g}", a / b);
    };
    out += fmt::format("| {} | {} | {} | {} | {} |\n", cell_text(run.label),
                       std::isnan(paper) ? "—" : fmt::format("{}", paper), ratio(paper, paper_base),
                       spread_cell(ours, n_seeds, "{:.4g}", "{:.2g}"), ratio(ours.mean, valley_base));
  }
  return out;
}

// Σ over the rows of (evaluations per update since the previous row) × (updates since it).
double total_evals(const std::vector<MetricsRow>& rows, double MetricsRow::*per_update) {
  double total = 0.0;
  for (std::size_t i = 1; i < rows.size(); ++i)
    total += rows[i].*per_update * static_cast<double>(rows[i].update - rows[i - 1].update);
  return total;
}

std::string final_table(const Experiment& e, const std::vector<RunResults>& results, int64_t n_seeds) {
  std::string out =
      "| run | updates | ∇f evals | f evals | seconds | final held-out accuracy | final held-out loss |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const ExperimentRun& run : e.runs) {
    std::vector<double> gradients, losses, seconds, accuracy, test_loss;
    for (const SeedResult& seed : results_of(results, run.name).seeds) {
      if (seed.status != "completed" || seed.rows.empty()) continue;
      gradients.push_back(total_evals(seed.rows, &MetricsRow::gradient_evals));
      losses.push_back(total_evals(seed.rows, &MetricsRow::loss_evals));
      seconds.push_back(seed.seconds_per_update * static_cast<double>(seed.rows.back().update));
      accuracy.push_back(seed.rows.back().test_accuracy);
      test_loss.push_back(seed.rows.back().test_loss);
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", cell_text(run.label), run.config.n_updates,
                       spread_cell(spread_of(gradients), 1, "{:.0f}", ""),
                       spread_cell(spread_of(losses), 1, "{:.0f}", ""),
                       spread_cell(spread_of(seconds), n_seeds, "{:.3g}", "{:.2g}"),
                       spread_cell(spread_of(accuracy), n_seeds, "{:.4f}", "{:.4f}"),
                       spread_cell(spread_of(test_loss), n_seeds, "{:.4f}", "{:.4f}"));
  }
  return out;
}

// Each seed's last row within `budget` seconds of updates (row 0 at least).
struct Reading {
  const MetricsRow* row;
  RunningTotals totals;
};
Reading reading_within(const std::vector<MetricsRow>& rows, double budget) {
  const std::vector<RunningTotals> totals = running_totals(rows);
  std::size_t last = 0;
  for (std::size_t i = 1; i < rows.size() && totals[i].seconds <= budget; ++i) last = i;
  return {&rows[last], totals[last]};
}

std::string equal_time_table(const Experiment& e, const std::vector<RunResults>& results, int64_t n_seeds) {
  // The budget of each network: the smallest mean total update time of its runs.
  std::map<std::string, double> budget;
  const auto completed = [&](const ExperimentRun& run) {
    std::vector<const SeedResult*> seeds;
    for (const SeedResult& seed : results_of(results, run.name).seeds)
      if (seed.status == "completed" && !seed.rows.empty()) seeds.push_back(&seed);
    return seeds;
  };
  for (const ExperimentRun& run : e.runs) {
    std::vector<double> totals;
    for (const SeedResult* seed : completed(run)) totals.push_back(running_totals(seed->rows).back().seconds);
    if (totals.empty()) continue;
    const double mean = spread_of(totals).mean;
    auto [it, inserted] = budget.emplace(run.config.net, mean);
    if (!inserted) it->second = std::min(it->second, mean);
  }
  std::string out =
      "| run | budget (s of updates) | updates reached | minibatch evals | held-out accuracy | "
      "held-out loss |\n|---|---:|---:|---:|---:|---:|\n";
  for (const ExperimentRun& run : e.runs) {
    const auto found = budget.find(run.config.net);
    std::vector<double> updates, evaluations, accuracy, loss;
    if (found != budget.end())
      for (const SeedResult* seed : completed(run)) {
        const Reading r = reading_within(seed->rows, found->second);
        updates.push_back(static_cast<double>(r.row->update));
        evaluations.push_back(r.totals.evaluations);
        accuracy.push_back(r.row->test_accuracy);
        loss.push_back(r.row->test_loss);
      }
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cell_text(run.label),
                       found == budget.end() ? "—" : fmt::format("{:.3g}", found->second),
                       spread_cell(spread_of(updates), n_seeds, "{:.0f}", "{:.0f}"),
                       spread_cell(spread_of(evaluations), n_seeds, "{:.0f}", "{:.0f}"),
                       spread_cell(spread_of(accuracy), n_seeds, "{:.4f}", "{:.4f}"),
                       spread_cell(spread_of(loss), n_seeds, "{:.4f}", "{:.4f}"));
  }
  return out;
}

// One line per seed that did not complete.
std::string notes(const Experiment& e, const std::vector<RunResults>& results, int64_t n_seeds) {
  std::string out;
  for (const ExperimentRun& run : e.runs) {
    const RunResults& r = results_of(results, run.name);
    for (int64_t s = 1; s <= n_seeds; ++s) {
      const SeedResult* found = nullptr;
      for (const SeedResult& seed : r.seeds)
        if (seed.seed == static_cast<uint64_t>(s)) found = &seed;
      if (found == nullptr)
        out += fmt::format("- {} (`{}`), seed {}: no results yet\n", run.label, run.name, s);
      else if (found->status != "completed")
        out += fmt::format("- {} (`{}`), seed {}: {} — {}\n", run.label, run.name, s, found->status,
                           found->error);
    }
  }
  return out;
}

}  // namespace

std::string markdown_table(const Experiment& experiment, const std::vector<RunResults>& results,
                           int64_t n_seeds) {
  std::string out =
      experiment.table.kind == TableSpec::Kind::accuracy ? accuracy_table(experiment, results, n_seeds)
      : experiment.table.kind == TableSpec::Kind::final  ? final_table(experiment, results, n_seeds)
                                                         : seconds_table(experiment, results, n_seeds);
  if (experiment.table.kind == TableSpec::Kind::final && experiment.table.equal_time)
    out += fmt::format(
        "\nAt equal wall time: each network's budget is the smallest total update time (mean over "
        "seeds) of its runs; every seed of every run is read at its last evaluation within that many "
        "seconds of updates (evaluations not counted), so a run's reading is only as fine as its "
        "evaluation rows. Timings vary with the machine's load.\n\n{}",
        equal_time_table(experiment, results, n_seeds));
  const std::string missing = notes(experiment, results, n_seeds);
  if (!missing.empty()) out += fmt::format("\n{}", missing);
  return out;
}

}  // namespace valley
