// docs/MODEL_FILES.md's numpy reader, run as written with /usr/bin/python3:
// it must classify the same 1,000 images exactly as `valley eval` does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/data/dataset.h"
#include "valley/data/idx.h"
#include "valley/model/model_file.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

using testing::run_program;
using testing::run_valley;
using testing::TempDir;

constexpr const char* kPython = "/usr/bin/python3";

// The first ```python block of the markdown file.
std::string python_block(const std::string& markdown) {
  const std::string open = "```python\n";
  const std::size_t start = markdown.find(open);
  if (start == std::string::npos) return "";
  const std::size_t end = markdown.find("```", start + open.size());
  return markdown.substr(start + open.size(), end - start - open.size());
}

// Digits that a small net learns in a few updates, but not perfectly: image i
// of class c is uniform noise in [0, 0.7) with 0.3 added on the c-th tenth of
// its pixels.
Dataset learnable_digits(int64_t n, uint64_t seed) {
  Dataset data;
  data.n = n;
  data.rows = data.cols = 28;
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>((i * 7) % 10);
    data.labels.push_back(static_cast<uint8_t>(label));
    for (int p = 0; p < 784; ++p) {
      const uint32_t bits =
          philox_block({seed, Stream::test, static_cast<uint32_t>(i), 0}, static_cast<uint64_t>(p)).v[0];
      const float noise = uniform_open(bits) * 0.7f;
      data.images.push_back(noise + (p / 79 == label ? 0.3f : 0.0f));
    }
  }
  return data;
}

// What the test adds after the snippet: the first 1000 images of the IDX
// files, the snippet's forward pass, and its confusion matrix.
constexpr const char* kHarness = R"(
import sys
tensors, meta = load_valley_model(sys.argv[1])
raw = open(sys.argv[2], "rb").read()
n, rows, cols = struct.unpack(">III", raw[4:16])
images = np.frombuffer(raw, np.uint8, n * rows * cols, 16).reshape(n, rows * cols)[:1000]
labels = np.frombuffer(open(sys.argv[3], "rb").read(), np.uint8, n, 8)[:1000]
logits = forward(tensors, images.astype(np.float32) / np.float32(255))
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (labels, logits.argmax(1)), 1)
print(json.dumps({"net": meta["net"], "images": len(labels),
                  "correct": int((logits.argmax(1) == labels).sum()), "confusion": confusion.tolist()}))
)";

TEST(ModelFilePython, DocumentedSnippetGivesValleysAccuracy) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is missing";
  if (run_program(kPython, {"-c", "import numpy"}).exit_status != 0)
    GTEST_SKIP() << "numpy is missing (install python3-numpy)";
  const std::string snippet =
      python_block(testing::read_text(std::filesystem::path(VALLEY_SOURCE_DIR) / "docs" / "MODEL_FILES.md"));
  ASSERT_NE(snippet.find("def load_valley_model"), std::string::npos) << "no snippet in the docs";

  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  write_idx_dataset(learnable_digits(400, 1), dir / "data" / kTrainImages, dir / "data" / kTrainLabels);
  write_idx_dataset(learnable_digits(1000, 2), dir / "data" / kTestImages, dir / "data" / kTestLabels);
  const auto trained =
      run_valley({"train", "--data", (dir / "data").string(), "--out", (dir / "run").string(), "--net",
                  "784-24-10", "--updates", "60", "--lr", "0.1", "--no-progress"});
  ASSERT_EQ(trained.exit_status, 0) << trained.err;
  const auto evaluated = run_valley({"eval", "--model", (dir / "run").string(), "--eval-size", "1000",
                                     "--json", (dir / "eval.json").string()});
  ASSERT_EQ(evaluated.exit_status, 0) << evaluated.err;
  const auto valley = nlohmann::json::parse(testing::read_text(dir / "eval.json"));

  testing::write_bytes(dir / "read.py", snippet + kHarness);
  const auto python =
      run_program(kPython, {(dir / "read.py").string(), (dir / "run" / kModelFile).string(),
                            (dir / "data" / kTestImages).string(), (dir / "data" / kTestLabels).string()});
  ASSERT_EQ(python.exit_status, 0) << python.err;
  const auto numpy = nlohmann::json::parse(python.out);
  EXPECT_EQ(numpy["net"], "784-24-10");
  EXPECT_EQ(numpy["images"], 1000);
  EXPECT_EQ(valley["images"], 1000);
  EXPECT_DOUBLE_EQ(numpy["correct"].get<double>() / 1000.0, valley["accuracy"].get<double>());
  EXPECT_EQ(numpy["confusion"], valley["confusion"]) << "the snippet classifies some images otherwise";
  // A trained network that is neither at chance nor perfect: the comparison
  // means something.
  EXPECT_GT(valley["accuracy"].get<double>(), 0.3);
  EXPECT_LT(valley["accuracy"].get<double>(), 1.0);
}

}  // namespace
}  // namespace valley
