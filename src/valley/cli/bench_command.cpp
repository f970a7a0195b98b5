// valley bench: seconds per update of each method on the paper's networks,
// as a table (medians over timed updates after a warm-up).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "method_bench.h"
#include "valley/cli/commands.h"
#include "valley/cli/flags.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/version.h"

namespace valley::cli {

void add_bench_command(CLI::App& app) {
  auto config = std::make_shared<MethodConfig>();
  auto settings = std::make_shared<bench::BenchSettings>();
  auto nets = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"784-10", "784-200-10"});
  auto json_path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time updates of a method on the paper's networks and print a table of medians");
  add_method_flags(*cmd, *config);
  cmd->add_option("--nets", *nets, "Networks to time")->capture_default_str();
  cmd->add_option("--batch", settings->batch_size, "Minibatch size")->capture_default_str();
  cmd->add_option("--threads", settings->n_threads, "Worker threads")->capture_default_str();
  cmd->add_option("--min-updates", settings->min_updates, "Timed updates, at least")
      ->capture_default_str();
  cmd->add_option("--min-seconds", settings->min_seconds, "Time each case for at least this long")
      ->capture_default_str();
  cmd->add_option("--json", *json_path, "Also save the results as JSON in this file");
  cmd->callback([config, settings, nets, json_path] {
    if (settings->batch_size < 1) fail("--batch must be ≥ 1 (got {})", settings->batch_size);
    if (settings->n_threads < 1) fail("--threads must be ≥ 1 (got {})", settings->n_threads);
    if (settings->min_updates < 5) fail("--min-updates must be ≥ 5 (got {})", settings->min_updates);
    std::vector<bench::BenchResult> results;
    for (const std::string& net : *nets) {
      results.push_back(bench::bench_method(*config, NetSpec::parse(net, "--nets"), *settings));
      fmt::print(stderr, "timed {} on {}\n", config->name, net);
    }
    fmt::print("valley {} bench: batch {}, {} thread(s)\n{}", kVersion, settings->batch_size,
               settings->n_threads, bench::format_table(results));
    if (!json_path->empty()) {
      nlohmann::json out = {{"valley_version", kVersion},
                            {"batch", settings->batch_size},
                            {"threads", settings->n_threads},
                            {"results", nlohmann::json::array()}};
      for (const auto& r : results) out["results"].push_back(bench::to_json(r));
      write_file_atomically(*json_path, out.dump(2) + "\n");
    }
  });
}

}  // namespace valley::cli
