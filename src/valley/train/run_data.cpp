#include "valley/train/run_data.h"

#include <vector>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {
namespace {

std::string path_text(const std::filesystem::path& p) { return p.string(); }

// Fails unless `dir` exists; `origin` says where it came from.
void expect_data_set(const std::filesystem::path& dir, const std::string& origin) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec))
    fail(
        "{}: data set not found ({}); run scripts/setup-data.sh (or `make data`) to fetch the "
        "default data, or pass --data DIR",
        path_text(dir), origin);
}

std::string text_field(const nlohmann::json& config, const char* key) {
  return config.contains(key) && config[key].is_string() ? config[key].get<std::string>() : std::string();
}

// The directory a recorded file was in, or empty.
std::filesystem::path recorded_dir(const nlohmann::json& identity, const char* role) {
  if (!identity.contains(role) || !identity[role].is_object()) return {};
  const std::string path = text_field(identity[role], "path");
  return path.empty() ? std::filesystem::path() : std::filesystem::path(path).parent_path();
}

bool same_place(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  const auto ca = std::filesystem::weakly_canonical(a, ec);
  if (ec) return false;
  const auto cb = std::filesystem::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

}  // namespace

void check_same_data(const nlohmann::json& recorded, const nlohmann::json& identity, const std::string& name,
                     const std::string& hint) {
  for (const auto& [role, file] : identity.items()) {
    if (!recorded.contains(role) || !recorded[role].is_object())
      fail("{}: the run does not record the data file {}{}", name, role, hint);
    const nlohmann::json& then = recorded[role];
    if (then.value("bytes", nlohmann::json()) != file["bytes"] ||
        then.value("crc32", nlohmann::json()) != file["crc32"])
      fail(
          "{}: {} is not the file the run started with ({} bytes, CRC-32 {}; the run used {} "
          "bytes, CRC-32 {}){}",
          name, file["path"].get<std::string>(), file["bytes"].dump(), file["crc32"].dump(),
          then.value("bytes", nlohmann::json()).dump(), then.value("crc32", nlohmann::json()).dump(), hint);
  }
}

RecordedRun recorded_run(const std::string& model, const ModelFile& file) {
  std::error_code ec;
  const std::filesystem::path config_file = std::filesystem::path(model) / "config.json";
  if (std::filesystem::is_directory(model, ec) && std::filesystem::exists(config_file, ec)) {
    const nlohmann::json config = nlohmann::json::parse(read_text_file(config_file), nullptr, false);
    if (!config.is_object() || !config.value("data", nlohmann::json()).is_string() ||
        !config.value("test_data", nlohmann::json()).is_string())
      fail("{}: not a run's config.json (no \"data\" and \"test_data\" paths); pass --data DIR",
           config_file.string());
    return {config, config_file.string()};
  }
  const auto it = file.metadata.find("config");
  if (it == file.metadata.end()) return {nlohmann::json(), ""};
  const nlohmann::json config = nlohmann::json::parse(it->second, nullptr, false);
  if (!config.is_object()) fail("{}: its metadata \"config\" is not a JSON object; pass --data DIR", model);
  return {config, "the metadata of " + model};
}

ChosenData choose_model_data(const std::string& model, const ModelFile& file,
                             const std::optional<std::filesystem::path>& data_dir, bool other_data,
                             const std::string& who) {
  const std::string data_flag = "--data";
  const RecordedRun run = recorded_run(model, file);
  const nlohmann::json identity = run.config.is_object() && run.config.contains("data_identity") &&
                                          run.config["data_identity"].is_object() &&
                                          !run.config["data_identity"].empty()
                                      ? run.config["data_identity"]
                                      : nlohmann::json();
  if (data_dir) {
    const std::string origin = other_data ? data_flag + ", with --other-data" : data_flag;
    expect_data_set(*data_dir, data_flag);
    DataSplit data = load_data_dir(*data_dir);
    if (!identity.is_null() && !other_data)
      check_same_data(identity, data.identity, data_flag + " " + data_dir->string(),
                      "; pass --other-data to use data other than the run's on purpose");
    return {std::move(data), *data_dir, origin};
  }
  if (!run.config.is_object()) {
    const std::filesystem::path dir = default_data_dir();
    const std::string origin = fmt::format("the default data set: {} records no data", model);
    expect_data_set(dir, origin);
    return {load_data_dir(dir), dir, origin};
  }
  // The directories the run named, as given when it started (relative to
  // the directory it was started from) …
  const std::string data_setting = text_field(run.config, "data");
  const std::string test_setting = text_field(run.config, "test_data");
  const std::filesystem::path setting_dir =
      data_setting.empty() ? default_data_dir() : std::filesystem::path(data_setting);
  const std::optional<std::filesystem::path> setting_test =
      test_setting.empty() ? std::nullopt : std::optional<std::filesystem::path>(test_setting);
  const std::string origin = "the run's data, from " + run.from;
  if (identity.is_null()) {  // nothing to check the files against
    expect_data_set(setting_dir, origin);
    return {load_data_dir(setting_dir, setting_test), setting_dir,
            origin + " (which records no sizes or CRC-32s to check it by)"};
  }
  // … and, first, where its files were (their absolute paths), so that the
  // data is found from any directory.
  struct Place {
    std::filesystem::path dir;
    std::optional<std::filesystem::path> test_dir;
  };
  std::vector<Place> places;
  const std::filesystem::path train_was = recorded_dir(identity, "train_images");
  const std::filesystem::path test_was = recorded_dir(identity, "test_images");
  if (!train_was.empty() && !test_was.empty())
    places.push_back(
        {train_was, test_was == train_was ? std::nullopt : std::optional<std::filesystem::path>(test_was)});
  const bool same_as_recorded =
      !places.empty() && same_place(places[0].dir, setting_dir) &&
      same_place(places[0].test_dir.value_or(places[0].dir), setting_test.value_or(setting_dir));
  if (!same_as_recorded) places.push_back({setting_dir, setting_test});
  const std::string& name = who;
  const std::string hint = "; pass --data DIR to name the run's data";
  std::string first_error;
  std::string mismatch;
  for (const Place& place : places) {
    std::error_code ec;
    if (!std::filesystem::is_directory(place.dir, ec)) {
      if (first_error.empty())
        first_error = fmt::format(
            "{}: the run's data is not where it was ({}: data directory not "
            "found){}",
            name, path_text(place.dir), hint);
      continue;
    }
    DataSplit data;
    try {
      data = load_data_dir(place.dir, place.test_dir);
    } catch (const Error& e) {
      if (first_error.empty()) first_error = fmt::format("{}: the run's data: {}", name, e.what());
      continue;
    }
    try {
      check_same_data(identity, data.identity, name, hint);
    } catch (const Error& e) {
      if (mismatch.empty()) mismatch = e.what();
      continue;
    }
    return {std::move(data), place.dir, origin};
  }
  throw Error(mismatch.empty() ? first_error : mismatch);
}

}  // namespace valley
