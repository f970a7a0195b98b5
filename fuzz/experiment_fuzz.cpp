// The experiment-file reader (reproduce/experiment.h) on one file. The
// reader takes a path, so each input is written to a file in a directory of
// this process's own first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "expect_one_line.h"
#include "valley/reproduce/experiment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = [] {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("valley-fuzz-experiment-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / "fuzzed.json";
  }();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    valley::read_experiment(file);
  } catch (const valley::Error& e) {
    valley::fuzz::expect_one_line(e);
  }
  return 0;
}
