// Checks of the files a run leaves in its directory.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace valley::testing {

// metrics.csv without its `seconds` column, the only one that is wall time
// and so differs between two runs of the same settings.
std::string metrics_without_seconds(const std::string& csv);

// Every file of a run is whole: config.json and summary.json parse,
// metrics.csv has its header and nine fields in every row, checkpoint.bin
// passes its checksum, model.safetensors reads back. Temporary files (*.tmp) are allowed unless
// `allow_temporaries` is false; anything else is unexpected.
void expect_run_files_whole(const std::filesystem::path& dir, const std::string& when,
                            bool allow_temporaries = true);

// Every file under `dir` (recursively) and its contents.
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir);

}  // namespace valley::testing
