#include "valley/reproduce/experiment.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/core/files.h"
#include "valley/reproduce/run_settings.h"

namespace valley {
namespace {

using Json = nlohmann::json;

void require_object(const Json& value, const std::string& where) {
  if (!value.is_object()) fail("{}: expected an object (got {})", where, value.type_name());
}

// Fails on a key outside `allowed`, naming the valid ones.
void check_keys(const Json& object, const std::string& where, const std::vector<std::string>& allowed) {
  for (const auto& [key, value] : object.items())
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail("{}: unknown key '{}' (valid: {})", where, key, fmt::join(allowed, ", "));
}

std::string get_string(const Json& object, const std::string& key, const std::string& where,
                       const std::string& fallback) {
  if (!object.contains(key)) return fallback;
  const Json& value = object.at(key);
  if (!value.is_string()) fail("{}.{}: expected a string (got {})", where, key, value.dump());
  return value.get<std::string>();
}

std::string require_string(const Json& object, const std::string& key, const std::string& where) {
  if (!object.contains(key)) fail("{}: missing key '{}'", where, key);
  return get_string(object, key, where, "");
}

const Json& require_array(const Json& object, const std::string& key, const std::string& where) {
  if (!object.contains(key)) fail("{}: missing key '{}'", where, key);
  const Json& value = object.at(key);
  if (!value.is_array() || value.empty())
    fail("{}.{}: expected a non-empty array (got {})", where, key,
         value.is_array() ? "an empty one" : value.type_name());
  return value;
}

bool is_run_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// A gnuplot colour name (letters, digits, '-') or #rrggbb.
bool is_color(const std::string& color) {
  if (color.size() == 7 && color[0] == '#')
    return std::all_of(color.begin() + 1, color.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  return !color.empty() && std::all_of(color.begin(), color.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::string run_names(const Experiment& e) {
  std::vector<std::string> names;
  for (const ExperimentRun& r : e.runs) names.push_back(r.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

void check_run_name(const Experiment& e, const std::string& name, const std::string& where) {
  for (const ExperimentRun& r : e.runs)
    if (r.name == name) return;
  fail("{}: unknown run '{}' (runs: {})", where, name, run_names(e));
}

ExperimentRun read_run(const Json& object, const Json& shared, const std::string& file, size_t index) {
  const std::string where = fmt::format("{}: runs[{}]", file, index);
  require_object(object, where);
  check_keys(object, where, {"name", "label", "color", "settings"});
  ExperimentRun run;
  run.name = require_string(object, "name", where);
  if (!is_run_name(run.name))
    fail("{}.name: '{}' is not a directory name (letters, digits, '-', '_', '.')", where, run.name);
  run.label = get_string(object, "label", where, run.name);
  run.color = get_string(object, "color", where, "");
  if (!run.color.empty() && !is_color(run.color))
    fail("{}.color: '{}' is neither a colour name nor #rrggbb", where, run.color);
  const Json own = object.contains("settings") ? object.at("settings") : Json::object();
  apply_run_settings(shared, file + ": settings", run.config);
  apply_run_settings(own, where + ".settings", run.config);
  run.config.out_dir = run.name;  // a placeholder: validate() insists on one
  try {
    validate(run.config);
  } catch (const Error& e) {
    fail("{} '{}': {}", where, run.name, e.what());
  }
  check_settings_apply(shared, run.config.method.name, file + ": settings");
  check_settings_apply(own, run.config.method.name, where + ".settings");
  run.settings = shared;
  run.settings.update(own);
  return run;
}

void read_accuracy_table(const Json& object, const std::string& where, Experiment& e) {
  check_keys(object, where, {"kind", "at_updates", "paper"});
  const Json& at = require_array(object, "at_updates", where);
  for (const Json& u : at) {
    if (!u.is_number_integer() || u.get<int64_t>() < 1)
      fail("{}.at_updates: expected integers ≥ 1 (got {})", where, u.dump());
    const int64_t update = u.get<int64_t>();
    if (!e.table.at_updates.empty() && update <= e.table.at_updates.back())
      fail("{}.at_updates: must increase (got {} after {})", where, update, e.table.at_updates.back());
    for (const ExperimentRun& r : e.runs)
      if (update > r.config.n_updates || (update % r.config.eval_every != 0 && update != r.config.n_updates))
        fail("{}.at_updates: run '{}' is evaluated every {} updates up to {}, not at update {}", where,
             r.name, r.config.eval_every, r.config.n_updates, update);
    e.table.at_updates.push_back(update);
  }
  if (!object.contains("paper")) return;
  const Json& paper = object.at("paper");
  require_object(paper, where + ".paper");
  for (const auto& [name, values] : paper.items()) {
    const std::string key = where + ".paper." + name;
    check_run_name(e, name, where + ".paper");
    if (!values.is_array() || values.size() != e.table.at_updates.size())
      fail("{}: expected an array of {} numbers, one per at_updates (got {})", key, e.table.at_updates.size(),
           values.dump());
    std::vector<double> numbers;
    for (const Json& v : values) {
      if (!v.is_number() && !v.is_null()) fail("{}: expected numbers or null (got {})", key, v.dump());
      numbers.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
    }
    e.table.paper_accuracy.emplace_back(name, numbers);
  }
}

void read_seconds_table(const Json& object, const std::string& where, Experiment& e) {
  check_keys(object, where, {"kind", "baseline", "paper"});
  e.table.baseline = require_string(object, "baseline", where);
  check_run_name(e, e.table.baseline, where + ".baseline");
  if (!object.contains("paper")) return;
  const Json& paper = object.at("paper");
  require_object(paper, where + ".paper");
  for (const auto& [name, value] : paper.items()) {
    check_run_name(e, name, where + ".paper");
    if (!value.is_number() || value.get<double>() <= 0)
      fail("{}.paper.{}: expected seconds > 0 (got {})", where, name, value.dump());
    e.table.paper_seconds.emplace_back(name, value.get<double>());
  }
}

void read_table(const Json& object, const std::string& where, Experiment& e) {
  require_object(object, where);
  const std::string kind = require_string(object, "kind", where);
  if (kind == "accuracy") {
    e.table.kind = TableSpec::Kind::accuracy;
    read_accuracy_table(object, where, e);
  } else if (kind == "seconds") {
    e.table.kind = TableSpec::Kind::seconds;
    read_seconds_table(object, where, e);
  } else if (kind == "final") {
    check_keys(object, where, {"kind", "equal_time"});
    e.table.kind = TableSpec::Kind::final;
    if (object.contains("equal_time")) {
      if (!object.at("equal_time").is_boolean()) fail("{}.equal_time: expected true or false", where);
      e.table.equal_time = object.at("equal_time").get<bool>();
    }
  } else {
    fail("{}.kind: expected 'accuracy', 'seconds' or 'final' (got '{}')", where, kind);
  }
}

FigureSpec read_figure(const Json& object, const std::string& where, const Experiment& e) {
  require_object(object, where);
  check_keys(object, where, {"title", "layout", "metric", "x", "panels"});
  FigureSpec figure;
  figure.title = get_string(object, "title", where, "");
  const std::vector<std::string> metrics = {"test_accuracy", "test_loss", "train_loss", "tau"};
  const auto read_metric = [&](const Json& o, const std::string& at, const std::string& fallback) {
    const std::string metric = get_string(o, "metric", at, fallback);
    if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
      fail("{}.metric: '{}' is not one of {}", at, metric, fmt::join(metrics, ", "));
    return metric;
  };
  figure.metric = read_metric(object, where, figure.metric);
  figure.x_axis = get_string(object, "x", where, figure.x_axis);
  if (figure.x_axis != "updates" && figure.x_axis != "evaluations")
    fail("{}.x: expected 'updates' or 'evaluations' (got '{}')", where, figure.x_axis);
  const Json& panels = require_array(object, "panels", where);
  for (size_t i = 0; i < panels.size(); ++i) {
    const std::string panel_where = fmt::format("{}.panels[{}]", where, i);
    require_object(panels[i], panel_where);
    check_keys(panels[i], panel_where, {"title", "runs", "metric"});
    PanelSpec panel;
    panel.title = get_string(panels[i], "title", panel_where, "");
    if (panels[i].contains("metric")) panel.metric = read_metric(panels[i], panel_where, "");
    for (const Json& name : require_array(panels[i], "runs", panel_where)) {
      if (!name.is_string()) fail("{}.runs: expected run names (got {})", panel_where, name.dump());
      check_run_name(e, name.get<std::string>(), panel_where + ".runs");
      panel.runs.push_back(name.get<std::string>());
    }
    figure.panels.push_back(panel);
  }
  figure.cols = static_cast<int>(figure.panels.size());
  if (object.contains("layout")) {
    const Json& layout = object.at("layout");
    if (!layout.is_array() || layout.size() != 2 || !layout[0].is_number_integer() ||
        !layout[1].is_number_integer() || layout[0].get<int64_t>() < 1 || layout[1].get<int64_t>() < 1 ||
        layout[0].get<int64_t>() > 10 || layout[1].get<int64_t>() > 10)
      fail("{}.layout: expected [rows, cols], each 1 to 10 (got {})", where, layout.dump());
    figure.rows = layout[0].get<int>();
    figure.cols = layout[1].get<int>();
  }
  if (static_cast<size_t>(figure.rows * figure.cols) < figure.panels.size())
    fail("{}.layout: {} × {} has room for fewer than the {} panels", where, figure.rows, figure.cols,
         figure.panels.size());
  return figure;
}

}  // namespace

const ExperimentRun& Experiment::run(const std::string& run_name) const {
  for (const ExperimentRun& r : runs)
    if (r.name == run_name) return r;
  fail("{}: unknown run '{}' (runs: {})", file.string(), run_name, run_names(*this));
}

Experiment read_experiment(const std::filesystem::path& file) {
  const std::string f = file.string();
  expect_regular_file(file, "experiment file not found");  // not a FIFO: it would block
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{}: cannot read the experiment file", f);
  std::stringstream text;
  text << in.rdbuf();
  Json doc;
  try {
    doc = Json::parse(text.str());
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for 1e400
    fail("{}: not valid JSON: {}", f, one_line(e.what()));
  }
  require_object(doc, f);
  check_keys(doc, f, {"description", "settings", "runs", "table", "figure", "flatness"});
  Experiment e;
  e.name = file.stem().string();
  e.file = file;
  // The nested helpers name keys as "where.key"; at the top a key follows the file name.
  const auto require_key = [&](const char* key) -> const Json& {
    if (!doc.contains(key)) fail("{}: missing key '{}'", f, key);
    return doc.at(key);
  };
  if (!require_key("description").is_string()) fail("{}: description: expected a string", f);
  e.description = doc.at("description").get<std::string>();
  const Json shared = doc.contains("settings") ? doc.at("settings") : Json::object();
  require_object(shared, f + ": settings");
  const Json& runs = require_key("runs");
  if (!runs.is_array() || runs.empty()) fail("{}: runs: expected a non-empty array", f);
  require_key("table");
  std::set<std::string> names;
  for (size_t i = 0; i < runs.size(); ++i) {
    ExperimentRun run = read_run(runs[i], shared, f, i);
    if (!names.insert(run.name).second) fail("{}: runs[{}].name: '{}' names two runs", f, i, run.name);
    e.runs.push_back(std::move(run));
  }
  read_table(doc.at("table"), f + ": table", e);
  if (doc.contains("figure")) e.figure = read_figure(doc.at("figure"), f + ": figure", e);
  if (doc.contains("flatness")) {
    const Json& fl = doc.at("flatness");
    require_object(fl, f + ": flatness");
    check_keys(fl, f + ": flatness", {"quick", "subset", "seeds"});
    FlatnessSpec spec;
    if (fl.contains("quick")) {
      if (!fl.at("quick").is_boolean()) fail("{}: flatness.quick: expected true or false", f);
      spec.quick = fl.at("quick").get<bool>();
    }
    if (fl.contains("subset")) {
      const Json& n = fl.at("subset");
      if (n.is_number_integer() && n.get<int64_t>() > 0)
        spec.subset = std::to_string(n.get<int64_t>());
      else if (n.is_string() && n.get<std::string>() == "all")
        spec.subset = "all";
      else
        fail("{}: flatness.subset: expected a positive number of images or \"all\"", f);
    }
    if (fl.contains("seeds")) {
      const Json& n = fl.at("seeds");
      if (!n.is_number_integer() || n.get<int64_t>() < 1)
        fail("{}: flatness.seeds: expected a number of seeds ≥ 1 (got {})", f, n.dump());
      spec.n_seeds = n.get<int64_t>();
    }
    e.flatness = spec;
  }
  return e;
}

std::vector<std::filesystem::path> experiment_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail("{}: experiments directory not found (pass --experiments DIR)", dir.string());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::filesystem::path find_experiment(const std::filesystem::path& dir, const std::string& name_or_path) {
  const std::filesystem::path as_path = name_or_path;
  if (as_path.extension() == ".json") {
    if (!std::filesystem::is_regular_file(as_path)) fail("{}: experiment file not found", name_or_path);
    return as_path;
  }
  std::vector<std::string> names;
  for (const std::filesystem::path& file : experiment_files(dir)) {
    if (file.stem() == name_or_path) return file;
    names.push_back(file.stem().string());
  }
  fail("unknown experiment '{}' (valid: {}, or the path of a .json file)", name_or_path,
       fmt::join(names, ", "));
}

}  // namespace valley
