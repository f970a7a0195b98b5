#include "arguments.h"

#include <algorithm>
#include <string>
#include <vector>

namespace py = pybind11;

namespace valley::python {
namespace {

PyObject* argument_error = nullptr;  // owned by the module, which never unloads

// One Python keyword: the flag --name, and --no-name where there is one.
struct Keyword {
  std::string name;  // with underscores
  const CLI::Option* option = nullptr;
  const CLI::Option* negated = nullptr;
};

std::string to_keyword(std::string flag_name) {
  std::replace(flag_name.begin(), flag_name.end(), '-', '_');
  return flag_name;
}

bool is_flag(const CLI::Option* option) { return option->get_expected_max() == 0; }

// The keywords of cmd's named options (not the positionals, not --help), in
// the order they were registered; "--no-x" joins "--x" as x=False.
std::vector<Keyword> keywords_of(const CLI::App& cmd) {
  std::vector<Keyword> keywords;
  const auto find = [&](const std::string& name) {
    return std::find_if(keywords.begin(), keywords.end(), [&](const Keyword& k) { return k.name == name; });
  };
  for (const CLI::Option* option : cmd.get_options()) {
    if (option->get_lnames().empty() || option == cmd.get_help_ptr()) continue;
    const std::string lname = option->get_lnames().front();
    const bool negation = lname.rfind("no-", 0) == 0 && is_flag(option);
    const std::string name = to_keyword(negation ? lname.substr(3) : lname);
    auto found = find(name);
    if (found == keywords.end()) {
      keywords.push_back({name});
      found = keywords.end() - 1;
    }
    (negation ? found->negated : found->option) = option;
  }
  return keywords;
}

std::string type_name(const py::handle& value) { return py::str(value.get_type().attr("__name__")); }

// The Python types an option's keyword takes (docs/LIBRARY.md), by the type
// CLI11 reads it into: a count is an int (not a bool, not a str); a real an
// int or a float; a path (the options of type PATH) a str or an
// os.PathLike; other text a str (or an int: subset=2000).
enum class Kind { integer, real, path, text };

Kind kind_of(const CLI::Option* option) {
  const std::string type = option->get_type_name();
  if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) return Kind::integer;
  if (type.rfind("FLOAT", 0) == 0) return Kind::real;
  if (type.rfind("PATH", 0) == 0) return Kind::path;
  return Kind::text;
}

[[noreturn]] void wrong_type(const std::string& function, const std::string& name, const char* expected,
                             const py::handle& value) {
  throw py::type_error(function + "() argument '" + name + "' must be " + expected + ", not " +
                       type_name(value));
}

// The word of the command line for one value of keyword `name`, or a
// TypeError naming the keyword.
std::string word_of(const std::string& function, const std::string& name, Kind kind,
                    const py::handle& value) {
  const bool is_bool = py::isinstance<py::bool_>(value);
  const bool is_int = !is_bool && PyIndex_Check(value.ptr()) != 0;  // int, numpy's integers
  const auto integer_text = [&] {
    return std::string(py::str(py::int_(py::reinterpret_borrow<py::object>(value))));
  };
  if (kind == Kind::integer) {
    if (!is_int) wrong_type(function, name, "int", value);
    return integer_text();
  }
  if (kind == Kind::real) {
    if (is_int) return integer_text();
    if (PyFloat_Check(value.ptr())) return py::str(value);
    if (is_bool || py::isinstance<py::str>(value) || !py::hasattr(value, "__float__"))
      wrong_type(function, name, "int or float", value);
    return py::repr(py::float_(py::reinterpret_borrow<py::object>(value)));
  }
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (kind == Kind::path) {
    if (py::hasattr(value, "__fspath__")) {
      const py::object path = py::module_::import("os").attr("fspath")(value);
      if (py::isinstance<py::str>(path)) return path.cast<std::string>();
    }
    wrong_type(function, name, "str or os.PathLike", value);
  }
  if (is_int) return integer_text();
  wrong_type(function, name, "str", value);
}

// The words of the command line for keyword k = value (none for None).
void append_arguments(const std::string& function, const Keyword& k, const py::handle& value,
                      std::vector<std::string>& args) {
  if (value.is_none()) return;
  const bool flag = k.option == nullptr || is_flag(k.option);
  if (flag) {
    if (!py::isinstance<py::bool_>(value))
      raise_argument_error(k.name + " must be True or False (got a " + type_name(value) + ")");
    const CLI::Option* chosen = value.cast<bool>() ? k.option : k.negated;
    if (chosen != nullptr) args.push_back("--" + chosen->get_lnames().front());
    return;
  }
  const std::string flag_name = "--" + k.option->get_lnames().front();
  const Kind kind = kind_of(k.option);
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    args.push_back(flag_name);
    for (const py::handle item : value) args.push_back(word_of(function, k.name, kind, item));
    return;
  }
  // A value that starts with a dash is joined to its flag, so that it stays
  // a value; any other (the empty one too) is a word of its own.
  const std::string text = word_of(function, k.name, kind, value);
  if (!text.empty() && text.front() == '-') {
    args.push_back(flag_name + "=" + text);
  } else {
    args.push_back(flag_name);
    args.push_back(text);
  }
}

py::object default_value(const Keyword& k) {
  if (k.option == nullptr) return py::bool_(true);  // only --no-x: x is on unless given
  if (is_flag(k.option)) return k.negated != nullptr ? py::none() : py::object(py::bool_(false));
  const std::string text = k.option->get_default_str();
  if (text.empty()) return py::none();
  const std::string type = k.option->get_type_name();
  try {
    if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) return py::int_(std::stoll(text));
    if (type.rfind("FLOAT", 0) == 0) return py::float_(std::stod(text));
  } catch (const std::exception&) {
  }
  return py::str(text);
}

}  // namespace

void add_argument_error(py::module_& m, const py::handle& error) {
  const py::tuple bases = py::make_tuple(error, py::handle(PyExc_ValueError));
  argument_error = PyErr_NewExceptionWithDoc(
      "valley._valley.ArgumentError",
      "A bad argument, with the command line's one-line message for the flag of the same "
      "name. Both a valley.Error and a ValueError.",
      bases.ptr(), nullptr);
  if (argument_error == nullptr) throw py::error_already_set();
  m.add_object("ArgumentError", py::handle(argument_error));
}

void raise_argument_error(const std::string& message) {
  PyErr_SetString(argument_error, message.c_str());
  throw py::error_already_set();
}

void parse_keywords(CLI::App& cmd, const py::dict& keywords, const std::string& function,
                    const std::vector<std::string>& positionals) {
  const std::vector<Keyword> known = keywords_of(cmd);
  std::vector<std::string> args;
  for (const auto& [key, value] : keywords) {
    const std::string name = py::str(key);
    const auto k = std::find_if(known.begin(), known.end(),
                                [&](const Keyword& candidate) { return candidate.name == name; });
    if (k == known.end())
      throw py::type_error(function + "() got an unexpected keyword argument '" + name + "'");
    append_arguments(function, *k, value, args);
  }
  if (!positionals.empty()) {
    args.push_back("--");
    args.insert(args.end(), positionals.begin(), positionals.end());
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the words last first
  try {
    cmd.parse(args);
  } catch (const CLI::ParseError& e) {
    raise_argument_error(one_line(e.what()));
  } catch (const Error& e) {
    raise_argument_error(one_line(e.what()));
  }
}

py::list describe_keywords(const CLI::App& cmd) {
  py::list out;
  for (const Keyword& k : keywords_of(cmd)) {
    std::string help = k.option != nullptr ? k.option->get_description() : "";
    if (k.negated != nullptr) {
      const std::string negated = "False: " + k.negated->get_description();
      help = help.empty() ? negated : help + " (" + negated + ")";
    }
    out.append(py::make_tuple(k.name, default_value(k), help));
  }
  return out;
}

}  // namespace valley::python
