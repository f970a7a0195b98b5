#include "support/run_files.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "support/fixtures.h"
#include "valley/core/files.h"
#include "valley/model/model_file.h"
#include "valley/train/checkpoint.h"

namespace valley::testing {

std::string metrics_without_seconds(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line)) {
    const std::size_t first = line.find(',');
    const std::size_t second = line.find(',', first + 1);
    out += line.substr(0, first) + line.substr(second) + "\n";
  }
  return out;
}

void expect_run_files_whole(const std::filesystem::path& dir, const std::string& when,
                            bool allow_temporaries) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::filesystem::path file = entry.path();
    const std::string name = file.filename().string();
    if (file.extension() == ".tmp") {
      EXPECT_TRUE(allow_temporaries) << when << ": a temporary file is left: " << name;
      continue;
    }
    const std::string text = read_text(file);
    if (name == "config.json" || name == "summary.json") {
      EXPECT_TRUE(nlohmann::json::accept(text)) << when << ": " << name << " is not whole";
    } else if (name == "metrics.csv") {
      EXPECT_EQ(text.substr(0, text.find('\n')),
                "update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,gradient_evals,ess")
          << when;
      EXPECT_TRUE(!text.empty() && text.back() == '\n') << when << ": metrics.csv ends mid-row";
      std::istringstream rows(text);
      std::string row;
      while (std::getline(rows, row))
        EXPECT_EQ(std::count(row.begin(), row.end(), ','), 8) << when << ": " << row;
    } else if (name == kCheckpointFile) {
      EXPECT_NO_THROW(read_checkpoint(file)) << when;
    } else if (name == kModelFile) {
      EXPECT_NO_THROW(read_model_file(file)) << when;
    } else if (name == DirectoryLock::kFileName) {
      // The directory's lock: it names its holder while one runs.
    } else {
      ADD_FAILURE() << when << ": unexpected file " << name;
    }
  }
}

std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      files[std::filesystem::relative(entry.path(), dir).string()] = read_text(entry.path());
  return files;
}

}  // namespace valley::testing
