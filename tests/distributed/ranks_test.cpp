// The distributed build's promise (docs/DISTRIBUTED.md): `mpirun -np R
// valley train …` writes the same metrics.csv (every column but the wall
// time) and ends with the same parameters, bit for bit, as valley started
// alone (the single-process communicator: the code path of the build
// without MPI), for R = 1, 2, 3, every method and both samplers. Also: an
// order-dependent merge is caught by the same comparison, a killed rank ends
// the job within bounded time and --resume with another R continues it
// exactly, and `valley reproduce` over two ranks writes the report of one.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "reproduce/tiny_experiment.h"
#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

namespace fs = std::filesystem;
using testing::run_valley;
using testing::TempDir;

// Open MPI refuses to start as root, and by default more ranks than cores,
// unless told (CI runs as root on 2 cores); in containers its single-copy
// shared-memory transport fails. A user's own settings take precedence.
const bool kOpenMpiSettings = [] {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 0);
  ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  return true;
}();

// mpiexec -n R <preflags>, from CMake's FindMPI (tests/CMakeLists.txt).
std::vector<std::string> mpirun(int ranks) {
  std::vector<std::string> words = {VALLEY_MPIEXEC, VALLEY_MPIEXEC_NUMPROC_FLAG, std::to_string(ranks)};
  std::istringstream preflags(VALLEY_MPIEXEC_PREFLAGS);
  for (std::string word; preflags >> word;) words.push_back(word);
  return words;
}

testing::CommandResult run_ranks(int ranks, const std::vector<std::string>& args) {
  testing::RunOptions options;
  options.launcher = mpirun(ranks);
  return run_valley(args, options);
}

// What must not depend on R: the metrics but their wall-time column, and
// the final parameters' bytes.
struct Outcome {
  std::string metrics;
  std::string parameters;
  std::string model;  // model.safetensors past its header (which names --out)
};

Outcome outcome_of(const fs::path& run) {
  const Checkpoint checkpoint = read_checkpoint(run / kCheckpointFile);
  const std::string model = testing::read_text(run / "model.safetensors");
  uint64_t header = 0;
  EXPECT_GE(model.size(), 8u) << run;
  if (model.size() >= 8) std::memcpy(&header, model.data(), 8);
  return {testing::metrics_without_seconds(testing::read_text(run / "metrics.csv")),
          std::string(reinterpret_cast<const char*>(checkpoint.x.data()),
                      static_cast<std::size_t>(checkpoint.x.size()) * sizeof(float)),
          header + 8 <= model.size() ? model.substr(header + 8) : model};
}

struct RankCase {
  std::string label;
  std::vector<std::string> flags;
};

void PrintTo(const RankCase& c, std::ostream* os) { *os << c.label; }

class RankInvariance : public ::testing::TestWithParam<RankCase> {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40); }

  std::vector<std::string> train_args(const std::string& out, const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"train",
                                     "--data",
                                     (dir_ / "data").string(),
                                     "--out",
                                     (dir_ / out).string(),
                                     "--net",
                                     "784-10",
                                     "--updates",
                                     "4",
                                     "--eval-every",
                                     "2",
                                     "--eval-size",
                                     "30",
                                     "--threads",
                                     "1",
                                     "--checkpoint-every",
                                     "4",
                                     "--no-progress"};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }

  // Runs alone and with R = 2 and 3 ranks; how many of the rank counts gave
  // other results than the single process.
  int count_differences(const std::vector<std::string>& flags, std::vector<int> rank_counts) {
    const auto alone = run_valley(train_args("alone", flags));
    EXPECT_EQ(alone.exit_status, 0) << alone.err;
    const Outcome reference = outcome_of(dir_ / "alone");
    int differences = 0;
    for (const int ranks : rank_counts) {
      const std::string out = "ranks-" + std::to_string(ranks);
      const auto result = run_ranks(ranks, train_args(out, flags));
      EXPECT_EQ(result.exit_status, 0) << ranks << " ranks: " << result.err;
      EXPECT_EQ(result.err, "") << ranks << " ranks";
      const Outcome got = outcome_of(dir_ / out);
      differences += got.metrics != reference.metrics || got.parameters != reference.parameters ||
                     got.model != reference.model;
    }
    return differences;
  }

  TempDir dir_;
};

TEST_P(RankInvariance, SameMetricsAndParametersForOneTwoAndThreeRanks) {
  EXPECT_EQ(count_differences(GetParam().flags, {1, 2, 3}), 0);
}

INSTANTIATE_TEST_SUITE_P(
    MethodsAndSamplers, RankInvariance,
    ::testing::Values(
        RankCase{"is_full", {"--method", "is", "--sampler", "full", "--samples", "300"}},
        // More than 256 blocks: shards of several blocks.
        RankCase{"is_full_shards", {"--method", "is", "--sampler", "full", "--samples", "4200"}},
        RankCase{"is_projected", {"--method", "is", "--sampler", "projected", "--samples", "300"}},
        RankCase{"heat_full", {"--method", "heat", "--sampler", "full", "--samples", "25"}},
        RankCase{"heat_projected", {"--method", "heat", "--sampler", "projected", "--samples", "25"}},
        RankCase{"sgld_full", {"--method", "sgld", "--sampler", "full", "--samples", "20"}},
        RankCase{"sgld_full_3_chains",
                 {"--method", "sgld", "--sampler", "full", "--samples", "20", "--sgld-chains", "3"}},
        RankCase{"sgld_projected", {"--method", "sgld", "--sampler", "projected", "--samples", "20"}},
        // --covariance diag: the chains' second moments are gathered too
        RankCase{"sgld_diag_3_chains",
                 {"--method", "sgld", "--covariance", "diag", "--samples", "20", "--sgld-chains", "3"}},
        RankCase{"is_diag", {"--method", "is", "--covariance", "diag", "--samples", "300"}},
        // (its diagnostics file, like covariance.csv, is rank 0's to write)
        RankCase{"entropy_sgd", {"--method", "entropy-sgd", "--L", "2"}},
        RankCase{"sgd", {"--method", "sgd"}},
        RankCase{"sgd_first_then_is",
                 {"--method", "is", "--sampler", "full", "--samples", "100", "--sgd-first", "2"}}),
    [](const auto& info) { return info.param.label; });

// The same comparison catches a merge whose order depends on R: the probe
// (fold_probe.cpp: importance sampling's eq. 16 with shards of several
// blocks) gives the bits of one process on 2 and 3 ranks, and other bits
// when its ranks' sums are merged by the fault-injecting communicator
// (support/unordered_communicator.h: a float MPI_Allreduce(SUM)).
TEST_F(RankInvariance, CatchesAnOrderDependentMerge) {
  const auto probe = [](int ranks, bool unordered) {
    testing::RunOptions options;
    if (ranks > 0) options.launcher = mpirun(ranks);
    const auto result = testing::run_program(
        VALLEY_FOLD_PROBE, unordered ? std::vector<std::string>{"--unordered"} : std::vector<std::string>{},
        options);
    EXPECT_EQ(result.exit_status, 0) << ranks << " ranks: " << result.err;
    EXPECT_FALSE(result.out.empty());
    return result.out;
  };
  const std::string alone = probe(0, false);
  EXPECT_EQ(probe(2, false), alone);
  EXPECT_EQ(probe(3, false), alone);
  const int differences = (probe(2, true) != alone) + (probe(3, true) != alone);
  EXPECT_GE(differences, 1);
}

// The ids of the valley processes (not mpirun) whose command line names `needle`.
std::vector<pid_t> valley_ranks(const std::string& needle) {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string first = cmdline.substr(0, cmdline.find('\0'));
    if (first == VALLEY_BINARY && cmdline.find(needle) != std::string::npos)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

// One rank of two is killed with SIGKILL once the run has checkpointed: the
// job ends within bounded time, saying why in one line, its checkpoint
// whole; resumed on three ranks it ends exactly as a run on one process that
// was never interrupted.
TEST_F(RankInvariance, KilledRankEndsTheJobAndResumeWithOtherRanksContinuesExactly) {
  const std::vector<std::string> flags = {"--method", "is", "--sampler", "full", "--samples", "300"};
  const auto args = [&](const std::string& out) {
    std::vector<std::string> a = train_args(out, flags);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] == "--updates") a[i + 1] = "100";
      if (a[i] == "--checkpoint-every") a[i + 1] = "10";
      if (a[i] == "--eval-every") a[i + 1] = "25";
    }
    return a;
  };
  const fs::path run = dir_ / "killed";
  auto job = std::async(std::launch::async, [&] { return run_ranks(2, args("killed")); });
  // Wait for a checkpoint past the start.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t n_done = 0;
  while (n_done < 10 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      n_done = read_checkpoint(run / kCheckpointFile).n_done;
    } catch (const std::exception&) {
    }
  }
  ASSERT_GE(n_done, 10) << "no checkpoint within a minute";
  const std::vector<pid_t> ranks = valley_ranks(run.string());
  ASSERT_EQ(ranks.size(), 2u);
  ::kill(ranks.back(), SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(job.wait_for(std::chrono::seconds(60)), std::future_status::ready) << "the job hangs";
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  EXPECT_LT(seconds, 30.0);
  const testing::CommandResult ended = job.get();
  EXPECT_NE(ended.exit_status, 0);
  EXPECT_LE(std::count(ended.err.begin(), ended.err.end(), '\n'), 1) << ended.err;
  testing::expect_run_files_whole(run, "after the kill");
  ASSERT_LT(read_checkpoint(run / kCheckpointFile).n_done, 100) << "the run ended before the kill";

  const auto resumed = run_ranks(3, {"train", "--resume", run.string(), "--no-progress"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  const auto alone = run_valley(args("alone"));
  ASSERT_EQ(alone.exit_status, 0) << alone.err;
  const Outcome expected = outcome_of(dir_ / "alone"), got = outcome_of(run);
  EXPECT_EQ(got.metrics, expected.metrics);
  EXPECT_TRUE(got.parameters == expected.parameters) << "final parameters differ";
  EXPECT_TRUE(got.model == expected.model) << "model.safetensors tensors differ";
}

// `text` with every `needle` taken out.
std::string without(const std::string& text, const std::string& needle) {
  std::string out;
  std::size_t from = 0;
  for (std::size_t at; (at = text.find(needle, from)) != std::string::npos; from = at + needle.size())
    out += text.substr(from, at - from);
  return out + text.substr(from);
}

// `valley reproduce` spreads its trainings over the ranks; rank 0's report
// is the one-process report (but for the timing in it).
TEST(ReproduceOverRanks, TwoRanksWriteTheReportOfOne) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  testing::write_json(dir / "experiments" / "tiny.json", testing::tiny_experiment());
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{"reproduce",
                                    "--experiments",
                                    (dir / "experiments").string(),
                                    "tiny",
                                    "--data",
                                    (dir / "data").string(),
                                    "--out",
                                    (dir / out).string(),
                                    "--seeds",
                                    "2",
                                    "--no-progress"};
  };
  const auto one = run_valley(args("one"));
  ASSERT_EQ(one.exit_status, 0) << one.err;
  const auto two = run_ranks(2, args("two"));
  ASSERT_EQ(two.exit_status, 0) << two.err;
  // The report names its --out, which differs.
  EXPECT_EQ(without(testing::read_text(dir / "one/tiny/report.md"), (dir / "one").string()),
            without(testing::read_text(dir / "two/tiny/report.md"), (dir / "two").string()));
  // runs.csv: every column but the wall time (its 6th).
  const auto without_sixth = [](const std::string& csv) {
    std::istringstream in(csv);
    std::string out;
    for (std::string line; std::getline(in, line);) {
      std::size_t at = 0;
      for (int comma = 0; comma < 5; ++comma) at = line.find(',', at) + 1;
      out += line.substr(0, at) + line.substr(line.find(',', at) + 1) + "\n";
    }
    return out;
  };
  EXPECT_EQ(without_sixth(testing::read_text(dir / "one/tiny/runs.csv")),
            without_sixth(testing::read_text(dir / "two/tiny/runs.csv")));
  for (const char* run : {"sgd", "is"})
    for (const char* seed : {"seed-1", "seed-2"})
      EXPECT_EQ(
          testing::metrics_without_seconds(testing::read_text(dir / "one/runs" / run / seed / "metrics.csv")),
          testing::metrics_without_seconds(testing::read_text(dir / "two/runs" / run / seed / "metrics.csv")))
          << run << " " << seed;
}

}  // namespace
}  // namespace valley
