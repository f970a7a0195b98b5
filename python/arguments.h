// The arguments of the Python functions, checked by the command line's own
// code: keywords become the flags of the matching `valley` command, parsed by
// its CLI11 flag list (options/train_flags.h, options/flatness_flags.h), so that a
// setting has the same name, default and check, and a bad value the same
// one-line message, as on the command line. Bad arguments raise
// valley.ArgumentError, a valley.Error that is also a ValueError.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "valley/core/error.h"

namespace valley::python {

// Creates valley.ArgumentError (bases: `error`, ValueError) in module m.
void add_argument_error(pybind11::module_& m, const pybind11::handle& error);

[[noreturn]] void raise_argument_error(const std::string& message);

// Runs a check; its valley::Error becomes ArgumentError with the same line.
template <typename F>
auto check_arguments(F&& check) {
  try {
    return std::forward<F>(check)();
  } catch (const Error& e) {
    raise_argument_error(one_line(e.what()));
  }
}

// Parses Python keywords as the flags of `cmd`: key k is the flag --k with
// '_' for '-' (dashes become underscores), "--no-k" is k=False; a flag takes
// True or False, an option with several values a list, and None leaves a
// setting at its default. An unknown key raises TypeError naming it, as
// Python does; a bad value ArgumentError with CLI11's or valley's message.
// `positionals` follow the flags (after "--").
void parse_keywords(CLI::App& cmd, const pybind11::dict& keywords, const std::string& function,
                    const std::vector<std::string>& positionals = {});

// The keywords parse_keywords accepts for `cmd`, in the order of its flags:
// a list of (name, default, help), the default as a Python value (None where
// the command line's default depends on other settings).
pybind11::list describe_keywords(const CLI::App& cmd);

}  // namespace valley::python
