// The bad-input catalogue (docs/RELIABILITY.md): every reader valley has —
// IDX, the npm digit JSON, checkpoints, model files — and every place it writes, fed what
// people have lying around. Every case must end with exit status 2 and one
// line on stderr that names the file and the problem, and leave no partial
// output behind and nothing that existed before changed.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <functional>

#include "reproduce/tiny_experiment.h"
#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/data/dataset.h"
#include "valley/data/idx.h"
#include "valley/model/model_file.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::RunOptions;
using testing::TempDir;

namespace fs = std::filesystem;

RunOptions unprivileged() {
  RunOptions options;
  options.unprivileged = true;
  return options;
}

// ulimit -f: a disk that fills after `bytes` bytes of any one file.
RunOptions disk_full_after(uint64_t bytes) {
  RunOptions options;
  options.max_file_bytes = bytes;
  return options;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string digits_json(int n_images) {
  std::string out = "{\"data\": [";
  for (int i = 0; i < n_images * 784; ++i) out += i > 0 ? ",0.5" : "0.5";
  return out + "]}";
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 120, 30);
    fs::create_directory(dir_ / "digits");
    for (int digit = 0; digit < 10; ++digit)
      testing::write_bytes(dir_ / "digits" / (std::to_string(digit) + ".json"), digits_json(1));
    // A finished run with a checkpoint: what a mistake must never touch.
    const auto made = run_valley(train_args(dir_ / "data", dir_ / "old", {"--checkpoint-every", "2"}));
    ASSERT_EQ(made.exit_status, 0) << made.err;
    old_ = testing::snapshot(dir_ / "old");
  }

  void TearDown() override {
    EXPECT_EQ(testing::snapshot(dir_ / "old"), old_) << "an existing run was changed";
  }

  std::vector<std::string> train_args(const fs::path& data, const fs::path& out,
                                      std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "train",     "--data", data.string(),  "--out", out.string(),  "--net", "784-10",
        "--updates", "4",      "--eval-every", "2",     "--eval-size", "20",    "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Exit status 2 and one line that names the file and the problem.
  void expect_error(const std::vector<std::string>& args, const std::string& file, const std::string& problem,
                    const RunOptions& options = {}) {
    const auto result = run_valley(args, options);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_EQ(result.err.rfind("valley: error: ", 0), 0u) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(one_line(result.err.substr(0, result.err.size() - 1)) + "\n", result.err)
        << "not printable UTF-8: " << result.err;
    EXPECT_NE(result.err.find(file), std::string::npos) << "does not name " << file << ": " << result.err;
    EXPECT_NE(result.err.find(problem), std::string::npos) << result.err;
  }

  // A training on `data` fails naming `file`; it neither creates a new
  // output directory nor touches an existing run it was told to overwrite.
  void expect_bad_data(const fs::path& data, const fs::path& file, const std::string& problem,
                       const RunOptions& options = {}) {
    expect_error(train_args(data, dir_ / "new"), file.string(), problem, options);
    EXPECT_FALSE(fs::exists(dir_ / "new")) << "left an output directory behind";
    expect_error(train_args(data, dir_ / "old", {"--overwrite"}), file.string(), problem, options);
  }

  // A copy of the data directory to spoil.
  fs::path data_copy(const std::string& name) {
    const fs::path copy = dir_ / name;
    fs::copy(dir_ / "data", copy);
    return copy;
  }

  // `valley data convert-npm` of a spoiled digits directory writes nothing.
  void expect_bad_digits(const fs::path& file, const std::string& problem, const RunOptions& options = {}) {
    expect_error({"data", "convert-npm", "--digits", (dir_ / "digits").string(), "--out",
                  (dir_ / "converted").string()},
                 file.string(), problem, options);
    EXPECT_FALSE(fs::exists(dir_ / "converted")) << "left an output directory behind";
  }

  // A copy of the finished run to resume, with `spoil` applied to it; a
  // failed resume leaves the copy exactly as it was.
  void expect_bad_resume(const std::string& name, const std::function<void(const fs::path&)>& spoil,
                         const std::vector<std::string>& extra, const std::string& file,
                         const std::string& problem, const RunOptions& options = {}) {
    const fs::path run = dir_ / name;
    fs::copy(dir_ / "old", run);
    spoil(run);
    const auto before = testing::snapshot(run);
    std::vector<std::string> args = {"train", "--resume", run.string(), "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    expect_error(args, file.empty() ? run.string() : (run / file).string(), problem, options);
    EXPECT_EQ(testing::snapshot(run), before) << name << ": a failed resume changed the run";
  }

  TempDir dir_;
  std::map<std::string, std::string> old_;
};

// ---- IDX ----

TEST_F(BadInput, IdxTruncated) {
  const fs::path data = data_copy("d");
  const std::string bytes = testing::read_text(data / kTrainImages);
  testing::write_bytes(data / kTrainImages, bytes.substr(0, bytes.size() - 100));
  expect_bad_data(data, data / kTrainImages, "(truncated?)");
}

TEST_F(BadInput, IdxWrongType) {
  const fs::path data = data_copy("d");
  fs::copy_file(data / kTrainLabels, data / kTrainImages, fs::copy_options::overwrite_existing);
  expect_bad_data(data, data / kTrainImages, "wrong magic number 2049");
}

TEST_F(BadInput, IdxHugeDeclaredSize) {
  const fs::path data = data_copy("d");
  testing::write_bytes(data / kTrainImages,
                       be32(kIdxImagesMagic) + be32(0xFFFFFFFFu) + be32(4096) + be32(4096) + "x");
  expect_bad_data(data, data / kTrainImages, "impossible size");
}

TEST_F(BadInput, IdxLabelOutOfRange) {
  const fs::path data = data_copy("d");
  std::string labels = testing::read_text(data / kTrainLabels);
  labels[8 + 5] = 10;
  testing::write_bytes(data / kTrainLabels, labels);
  expect_bad_data(data, data / kTrainLabels, "label 10 of item 5 is outside 0–9");
}

TEST_F(BadInput, IdxCorruptGzip) {
  const fs::path data = data_copy("d");
  std::string gz = testing::gzip_bytes(testing::read_text(data / kTrainImages));
  gz[gz.size() / 2] ^= 0x55;
  fs::remove(data / kTrainImages);
  testing::write_bytes(data / (std::string(kTrainImages) + ".gz"), gz);
  expect_bad_data(data, data / (std::string(kTrainImages) + ".gz"), "corrupt gzip");
}

TEST_F(BadInput, IdxEmpty) {
  const fs::path data = data_copy("d");
  testing::write_bytes(data / kTestLabels, "");
  expect_bad_data(data, data / kTestLabels, "file is empty");
}

TEST_F(BadInput, IdxMissing) {
  const fs::path data = data_copy("d");
  fs::remove(data / kTestLabels);
  expect_bad_data(data, data, "missing t10k-labels-idx1-ubyte");
}

TEST_F(BadInput, IdxDirectoryInsteadOfFile) {
  const fs::path data = data_copy("d");
  fs::remove(data / kTrainImages);
  fs::create_directory(data / kTrainImages);
  expect_bad_data(data, data / kTrainImages, "is a directory");
}

TEST_F(BadInput, IdxFifoInsteadOfFileDoesNotHang) {
  const fs::path data = data_copy("d");
  fs::remove(data / kTrainImages);
  ASSERT_EQ(::mkfifo((data / kTrainImages).c_str(), 0644), 0);
  expect_bad_data(data, data / kTrainImages, "is not a regular file");
}

TEST_F(BadInput, IdxUnreadable) {
  const fs::path data = data_copy("d");
  fs::permissions(data / kTrainLabels, fs::perms::none);
  expect_bad_data(data, data / kTrainLabels, "Permission denied", unprivileged());
}

TEST_F(BadInput, IdxInADirectoryWhoseNameIsNotUtf8) {
  const fs::path data = data_copy("d\xff\xfe");
  const std::string bytes = testing::read_text(data / kTrainImages);
  testing::write_bytes(data / kTrainImages, bytes.substr(0, 20));
  // The name is printed with its bytes escaped, so the line stays UTF-8.
  expect_bad_data(data, "d\\xff\\xfe", "truncated");
}

// ---- the npm digit JSON ----

TEST_F(BadInput, DigitsWrongTypes) {
  testing::write_bytes(dir_ / "digits" / "4.json", "{\"data\": \"pixels\"}");
  expect_bad_digits(dir_ / "digits" / "4.json", "\"data\" is not an array");
  testing::write_bytes(dir_ / "digits" / "4.json", "[0.5, 0.5]");
  expect_bad_digits(dir_ / "digits" / "4.json", "expected a JSON object with a \"data\" key, found array");
  std::string strings = digits_json(1);
  strings.replace(strings.find("0.5"), 3, "true");
  testing::write_bytes(dir_ / "digits" / "4.json", strings);
  expect_bad_digits(dir_ / "digits" / "4.json", "\"data\"[0] is not a number");
}

TEST_F(BadInput, DigitsMissingKey) {
  testing::write_bytes(dir_ / "digits" / "4.json", "{\"pixels\": [0.5]}");
  expect_bad_digits(dir_ / "digits" / "4.json", "missing the \"data\" key");
}

TEST_F(BadInput, DigitsNotUtf8) {
  testing::write_bytes(dir_ / "digits" / "4.json", "{\"data\": [\"\xff\xfe\"]}");
  expect_bad_digits(dir_ / "digits" / "4.json", "not valid JSON");
  testing::write_bytes(dir_ / "digits" / "4.json", "\xff\xfe{\"data\": []}");
  expect_bad_digits(dir_ / "digits" / "4.json", "not valid JSON");
}

TEST_F(BadInput, DigitsNumberBeyondDouble) {
  testing::write_bytes(dir_ / "digits" / "4.json", "{\"data\": [1e400]}");
  expect_bad_digits(dir_ / "digits" / "4.json", "number overflow parsing '1e400'");
}

TEST_F(BadInput, DigitsWrongSize) {
  testing::write_bytes(dir_ / "digits" / "4.json", "{\"data\": [0.5, 0.5, 0.5]}");
  expect_bad_digits(dir_ / "digits" / "4.json", "holds 3 numbers, not a multiple of 784");
}

TEST_F(BadInput, DigitsDirectoryInsteadOfFile) {
  fs::remove(dir_ / "digits" / "4.json");
  fs::create_directory(dir_ / "digits" / "4.json");
  expect_bad_digits(dir_ / "digits" / "4.json", "is a directory");
}

TEST_F(BadInput, DigitsUnreadable) {
  fs::permissions(dir_ / "digits" / "4.json", fs::perms::none);
  expect_bad_digits(dir_ / "digits" / "4.json", "Permission denied", unprivileged());
}

TEST_F(BadInput, DigitsMissing) {
  fs::remove(dir_ / "digits" / "9.json");
  expect_bad_digits(dir_ / "digits" / "9.json", "file not found");
}

// ---- flags whose values only look like numbers of the right kind ----

// An unsigned option reads "-1" as 2^64 − 1 unless it checks the sign.
TEST_F(BadInput, NegativeSeed) {
  expect_error(train_args(dir_ / "data", dir_ / "new", {"--seed", "-1"}), "--seed", "must be ≥ 0 (got -1)");
  EXPECT_FALSE(fs::exists(dir_ / "new")) << "left an output directory behind";
  expect_error({"bench", "--methods", "sgd", "--nets", "784-10", "--seed", "-3"}, "--seed", "must be ≥ 0");
  expect_error({"landscape", "--out", (dir_ / "maps").string(), "--seed", "-1"}, "--seed", "must be ≥ 0");
  EXPECT_FALSE(fs::exists(dir_ / "maps")) << "left an output directory behind";
}

// A minibatch is drawn without replacement from the training set, so it
// cannot be larger: train, resume (with --data pointing at a smaller set) and
// reproduce all refuse before anything is written.
TEST_F(BadInput, BatchLargerThanTheTrainingSet) {
  expect_error(train_args(dir_ / "data", dir_ / "new", {"--batch", "121"}), "--batch 121",
               "larger than the training set (120 images");
  EXPECT_FALSE(fs::exists(dir_ / "new")) << "left an output directory behind";
  testing::write_synthetic_data_dir(dir_ / "small", 12, 30);
  const fs::path run = dir_ / "resumed";
  fs::copy(dir_ / "old", run);
  const auto before = testing::snapshot(run);
  expect_error({"train", "--resume", run.string(), "--data", (dir_ / "small").string(), "--no-progress"},
               "--batch 20", "larger than the training set (12 images");
  EXPECT_EQ(testing::snapshot(run), before) << "a failed resume changed the run";
  const auto within = run_valley(train_args(dir_ / "data", dir_ / "whole", {"--batch", "120"}));
  EXPECT_EQ(within.exit_status, 0) << "a batch of the whole training set is fine: " << within.err;
}

// ---- experiment files (valley reproduce) ----

class BadExperiment : public BadInput {
 protected:
  // `valley reproduce FILE` fails before it writes anything.
  void expect_bad_experiment(const std::string& contents, const std::string& problem) {
    testing::write_bytes(file_, contents);
    expect_bad_experiment_file(problem);
  }
  void expect_bad_experiment_file(const std::string& problem, const RunOptions& options = {}) {
    expect_error({"reproduce", file_.string(), "--out", (dir_ / "report").string(), "--data",
                  (dir_ / "data").string(), "--no-progress"},
                 file_.string(), problem, options);
    EXPECT_FALSE(fs::exists(dir_ / "report")) << "left an output directory behind";
  }
  fs::path file_ = dir_ / "experiment.json";
};

TEST_F(BadExperiment, NotJsonOrNotUtf8) {
  expect_bad_experiment("", "not valid JSON");
  expect_bad_experiment("\xff\xfe{\"description\": \"x\"}", "not valid JSON");
  expect_bad_experiment("{\"description\": \"\xc0\xaf\"}", "not valid JSON");
  // Found by fuzz_experiment: a number beyond double is nlohmann's
  // out_of_range, not its parse_error, and ended in "internal error".
  expect_bad_experiment("{\"description\": -2e308}", "number overflow parsing '-2e308'");
}

TEST_F(BadExperiment, WrongTypesAndMissingKeys) {
  expect_bad_experiment("[1, 2]", "expected an object");
  expect_bad_experiment("{}", "missing key 'description'");
  expect_bad_experiment("{\"description\": 5}", "description: expected a string");
  expect_bad_experiment(
      "{\"description\": \"x\", \"settings\": {\"updates\": 1e300}, \"runs\": [{\"name\": \"a\"}], "
      "\"table\": {\"kind\": \"accuracy\", \"at_updates\": [1]}}",
      "settings.updates: expected an integer");
}

TEST_F(BadExperiment, DirectoryOrFifoInsteadOfFile) {
  fs::create_directory(file_);
  expect_bad_experiment_file("experiment file not found");
  fs::remove(file_);
  ASSERT_EQ(::mkfifo(file_.c_str(), 0644), 0);
  expect_bad_experiment_file("experiment file not found");
}

TEST_F(BadExperiment, Unreadable) {
  testing::write_bytes(file_, "{}");
  fs::permissions(file_, fs::perms::none);
  expect_bad_experiment_file("cannot read", unprivileged());
}

// ---- checkpoints ----

TEST_F(BadInput, CheckpointMissing) {
  expect_bad_resume(
      "r", [](const fs::path& run) { fs::remove(run / kCheckpointFile); }, {}, "",
      "no checkpoint to resume from");
}

TEST_F(BadInput, CheckpointIsADirectory) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        fs::remove(run / kCheckpointFile);
        fs::create_directory(run / kCheckpointFile);
      },
      {}, kCheckpointFile, "is a directory");
}

TEST_F(BadInput, CheckpointTruncated) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        const std::string bytes = testing::read_text(run / kCheckpointFile);
        testing::write_bytes(run / kCheckpointFile, bytes.substr(0, bytes.size() / 2));
      },
      {}, kCheckpointFile, "(truncated?)");
}

TEST_F(BadInput, CheckpointCorrupt) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        std::string bytes = testing::read_text(run / kCheckpointFile);
        bytes[bytes.size() / 2] ^= 0x01;
        testing::write_bytes(run / kCheckpointFile, bytes);
      },
      {}, kCheckpointFile, "checksum mismatch");
}

TEST_F(BadInput, CheckpointWrongVersion) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        std::string bytes = testing::read_text(run / kCheckpointFile);
        bytes[8] = 2;
        testing::write_bytes(run / kCheckpointFile, bytes);
      },
      {}, kCheckpointFile, "checkpoint format version 2, but this valley reads version 1");
}

TEST_F(BadInput, CheckpointOfAnotherKind) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        fs::copy_file(run / "config.json", run / kCheckpointFile, fs::copy_options::overwrite_existing);
      },
      {}, kCheckpointFile, "not a valley checkpoint");
}

TEST_F(BadInput, CheckpointHugeDeclaredSize) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        std::string bytes = testing::read_text(run / kCheckpointFile);
        bytes[12 + 7] = 0x40;  // the payload length: 2^62 and more
        testing::write_bytes(run / kCheckpointFile, bytes);
      },
      {}, kCheckpointFile, "(truncated?)");
}

TEST_F(BadInput, CheckpointWithWrongTypesInItsSettings) {
  expect_bad_resume(
      "r",
      [](const fs::path& run) {
        Checkpoint checkpoint = read_checkpoint(run / kCheckpointFile);
        checkpoint.config["updates"] = "four";
        write_checkpoint(run / kCheckpointFile, checkpoint);
      },
      {}, kCheckpointFile, "the setting \"updates\" must be an integer, not string");
}

TEST_F(BadInput, CheckpointUnreadable) {
  expect_bad_resume(
      "r", [](const fs::path& run) { fs::permissions(run / kCheckpointFile, fs::perms::none); }, {},
      kCheckpointFile, "Permission denied", unprivileged());
}

TEST_F(BadInput, ResumeWithIncompatibleFlags) {
  const auto nothing = [](const fs::path&) {};
  expect_bad_resume("r1", nothing, {"--updates", "8"}, kCheckpointFile,
                    "--updates 8 differs from the checkpoint's 4");
  expect_bad_resume("r2", nothing, {"--method", "sgd", "--lr", "0.5"}, kCheckpointFile,
                    "--lr 0.5 differs from the checkpoint's 0.01");
  expect_bad_resume("r3", nothing, {"--out", (dir_ / "elsewhere").string()}, "",
                    "--out does not apply with --resume");
  // A flag of another method is checked against the checkpoint too (the run
  // is SGD, so ε0 is the default it did not use).
  expect_bad_resume("r4", nothing, {"--eps0", "2000"}, kCheckpointFile,
                    "--eps0 2000.0 differs from the checkpoint's 1000.0");
}

TEST_F(BadInput, ResumeWithOtherData) {
  expect_bad_resume(
      "r",
      [&](const fs::path&) {
        std::string images = testing::read_text(dir_ / "data" / kTestImages);
        images.back() ^= 0x01;
        testing::write_bytes(dir_ / "data" / kTestImages, images);
      },
      {}, kCheckpointFile, "is not the file the run started with");
}

TEST_F(BadInput, ResumeOfAFile) {
  expect_error({"train", "--resume", (dir_ / "data" / kTrainImages).string()},
               (dir_ / "data" / kTrainImages).string(), "not a directory holding a run");
}

// ---- model files (train --init-from, eval --model) ----

// The finished run's model file, spoiled by `spoil`: `valley train
// --init-from` and `valley eval --model` both refuse it, naming the file.
TEST_F(BadInput, ModelFileMalformed) {
  const std::string good = testing::read_text(dir_ / "old" / kModelFile);
  const auto u64 = [](uint64_t v) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
    return out;
  };
  const uint64_t header_bytes = static_cast<uint8_t>(good[0]) | (static_cast<uint8_t>(good[1]) << 8) |
                                (static_cast<uint8_t>(good[2]) << 16);
  const std::string header = good.substr(8, header_bytes);
  const std::string data = good.substr(8 + header_bytes);
  const auto with_header = [&](std::string h) {
    h.append((8 - h.size() % 8) % 8, ' ');
    return u64(h.size()) + h + data;
  };
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string h = header;
    const std::size_t at = h.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return with_header(h.replace(at, from.size(), to));
  };
  std::string nan_data = good;
  nan_data.replace(nan_data.size() - 4, 4, std::string("\x00\x00\xc0\x7f", 4));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good.substr(0, good.size() / 2), "truncated"},
      {good.substr(0, 5), "truncated: 5 bytes"},
      {u64(good.size()) + good.substr(8), "runs past the end of the file"},
      {u64(200'000'000) + good.substr(8), "over the 100 MB limit"},
      {with_header(header.substr(0, header.size() / 2)), "not valid JSON"},
      {replaced("\"dtype\":\"F32\"", "\"dtype\":\"F64\""), "valley reads F32 tensors only"},
      {replaced("\"__metadata__\":{", "\"__metadata__\":{\"n\":1,"), "metadata values must be strings"},
      {replaced("[31360,31400]", "[31364,31404]"), "leaving a gap after byte 31360"},
      {replaced("layers.0.bias", "layers.0.bia"), "tensor layers.0.bias is missing"},
      {nan_data, "holds a non-finite value (nan)"},
  };
  const fs::path bad = dir_ / "bad.safetensors";
  for (const auto& [bytes, problem] : cases) {
    testing::write_bytes(bad, bytes);
    expect_error(train_args(dir_ / "data", dir_ / "new", {"--init-from", bad.string()}), bad.string(),
                 problem);
    EXPECT_FALSE(fs::exists(dir_ / "new")) << problem << ": left an output directory behind";
    expect_error({"eval", "--model", bad.string(), "--data", (dir_ / "data").string()}, bad.string(),
                 problem);
  }
}

TEST_F(BadInput, ModelFileOfAnotherNetOrMissing) {
  const fs::path model = dir_ / "old" / kModelFile;
  expect_error({"train", "--data", (dir_ / "data").string(), "--out", (dir_ / "new").string(), "--net",
                "784-5-10", "--init-from", model.string(), "--no-progress"},
               "--init-from " + model.string(), "holds a 784-10 network, but --net is 784-5-10");
  expect_error(train_args(dir_ / "data", dir_ / "new", {"--init-from", (dir_ / "none").string()}),
               (dir_ / "none").string(), "no such file or directory");
  expect_error(train_args(dir_ / "data", dir_ / "new", {"--init-from", (dir_ / "data").string()}),
               (dir_ / "data").string(), "no model.safetensors in this directory");
  EXPECT_FALSE(fs::exists(dir_ / "new"));
  expect_error({"eval", "--model", (dir_ / "data").string(), "--data", (dir_ / "data").string()},
               (dir_ / "data").string(), "no model.safetensors in this directory");
}

// ---- where the results go ----

TEST_F(BadInput, OutputIsAFile) {
  expect_error(train_args(dir_ / "data", dir_ / "data" / kTrainImages),
               (dir_ / "data" / kTrainImages).string(), "exists and is not a directory");
}

TEST_F(BadInput, OutputBelowAFile) {
  const fs::path out = dir_ / "data" / kTrainImages / "run";
  expect_error(train_args(dir_ / "data", out), out.string(), "Not a directory");
}

TEST_F(BadInput, OutputInADirectoryThatCannotBeWritten) {
  fs::create_directory(dir_ / "locked");
  fs::permissions(dir_ / "locked", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                       fs::perms::group_exec | fs::perms::others_read |
                                       fs::perms::others_exec);
  const fs::path out = dir_ / "locked" / "run";
  expect_error(train_args(dir_ / "data", out), out.string(), "Permission denied", unprivileged());
  EXPECT_FALSE(fs::exists(out));
}

// A full disk, simulated by a limit on file sizes (ulimit -f): config.json
// and metrics.csv fit, the checkpoint does not.
TEST_F(BadInput, DiskFullWhileTraining) {
  const fs::path out = dir_ / "full";
  expect_error(train_args(dir_ / "data", out, {"--checkpoint-every", "1"}), (out / kCheckpointFile).string(),
               "cannot write: File too large", disk_full_after(16 * 1024));
  testing::expect_run_files_whole(out, "after the disk filled", /*allow_temporaries=*/false);
  EXPECT_FALSE(fs::exists(out / kCheckpointFile));
}

// Resumed at update 2 of 4 with room for config.json and metrics.csv but not
// for the checkpoint of update 4: the checkpoint of update 2 stays as it was.
TEST_F(BadInput, DiskFullWhileResumingKeepsTheCheckpoint) {
  const fs::path run = dir_ / "r";
  fs::copy(dir_ / "old", run);
  Checkpoint checkpoint = read_checkpoint(run / kCheckpointFile);
  checkpoint.n_done = 2;
  checkpoint.rows.resize(2);  // the rows of updates 0 and 2
  write_checkpoint(run / kCheckpointFile, checkpoint);
  const std::string saved = testing::read_text(run / kCheckpointFile);
  expect_error({"train", "--resume", run.string(), "--no-progress"}, (run / kCheckpointFile).string(),
               "cannot write: File too large", disk_full_after(16 * 1024));
  EXPECT_EQ(testing::read_text(run / kCheckpointFile), saved);
  testing::expect_run_files_whole(run, "after the disk filled", /*allow_temporaries=*/false);
}

TEST_F(BadExperiment, BatchLargerThanTheTrainingSet) {
  nlohmann::json experiment = testing::tiny_experiment();
  experiment["settings"]["batch"] = 500;
  testing::write_json(file_, experiment);
  expect_bad_experiment_file("run 'sgd': --batch 500 is larger than the training set (120 images");
}

}  // namespace
}  // namespace valley
