// docs/MODEL_FILES.md's numpy reader, run as written with /usr/bin/python3:
// it must classify the same 1,000 images exactly as `valley eval` does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/data/dataset.h"
#include "valley/model/model_file.h"

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

// What the test adds after the snippet: the first 1000 images of the IDX
// files, the snippet's forward pass, and the number classified correctly.
constexpr const char* kHarness = R"(
import sys
tensors, meta = load_valley_model(sys.argv[1])
raw = open(sys.argv[2], "rb").read()
n, rows, cols = struct.unpack(">III", raw[4:16])
images = np.frombuffer(raw, np.uint8, n * rows * cols, 16).reshape(n, rows * cols)[:1000]
labels = np.frombuffer(open(sys.argv[3], "rb").read(), np.uint8, n, 8)[:1000]
logits = forward(tensors, images.astype(np.float32) / np.float32(255))
print(json.dumps({"net": meta["net"], "images": len(labels),
                  "correct": int((logits.argmax(1) == labels).sum())}))
)";

TEST(ModelFilePython, DocumentedSnippetGivesValleysAccuracy) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is missing";
  if (run_program(kPython, {"-c", "import numpy"}).exit_status != 0)
    GTEST_SKIP() << "numpy is missing (install python3-numpy)";
  const std::string snippet =
      python_block(testing::read_text(std::filesystem::path(VALLEY_SOURCE_DIR) / "docs" / "MODEL_FILES.md"));
  ASSERT_NE(snippet.find("def load_valley_model"), std::string::npos) << "no snippet in the docs";

  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 300, 1000);
  const auto trained = run_valley({"train", "--data", (dir / "data").string(), "--out",
                                   (dir / "run").string(), "--net", "784-24-10", "--updates", "30",
                                   "--lr", "0.05", "--no-progress"});
  ASSERT_EQ(trained.exit_status, 0) << trained.err;
  const auto evaluated = run_valley({"eval", "--model", (dir / "run").string(), "--eval-size",
                                     "1000", "--json", (dir / "eval.json").string()});
  ASSERT_EQ(evaluated.exit_status, 0) << evaluated.err;
  const auto valley = nlohmann::json::parse(testing::read_text(dir / "eval.json"));

  testing::write_bytes(dir / "read.py", snippet + kHarness);
  const auto python = run_program(kPython, {(dir / "read.py").string(), (dir / "run" / kModelFile).string(),
                                            (dir / "data" / kTestImages).string(),
                                            (dir / "data" / kTestLabels).string()});
  ASSERT_EQ(python.exit_status, 0) << python.err;
  const auto numpy = nlohmann::json::parse(python.out);
  EXPECT_EQ(numpy["net"], "784-24-10");
  EXPECT_EQ(numpy["images"], 1000);
  EXPECT_EQ(valley["images"], 1000);
  EXPECT_DOUBLE_EQ(numpy["correct"].get<double>() / 1000.0, valley["accuracy"].get<double>());
}

}  // namespace
}  // namespace valley
