// Flags shared by the subcommands that run a method (train, bench).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "valley/methods/method_config.h"

namespace valley::cli {

void add_method_flags(CLI::App& cmd, MethodConfig& config);

// --device cpu|cuda (docs/GPU.md), the same for train, bench and reproduce.
void add_device_flag(CLI::App& cmd, std::string& device);

// A one-line error (exit status 2) now, before any data is read, when
// `device` is not usable here: not built in, or no GPU.
void require_device(const std::string& device);

// For options read into an unsigned integer (the seeds): CLI11 converts "-1"
// with strtoull, which wraps it to 2^64 − 1; this rejects a minus sign with
// "--seed: must be ≥ 0 (got -1)".
CLI::Validator non_negative();

// Makes every number option of `app` and of its subcommands refuse a value
// beyond the range of its type: CLI11 reads integers with strtoll/strtoull,
// which clamp "18446744073709551616" to 2^64 − 1 without a word, and reals
// with strtold, which turns 1e-320 into a denormal (0 in float) and 1e999
// into infinity. Options of type INT are int64, UINT uint64, FLOAT double.
// Calling it again on the same options adds nothing.
void refuse_out_of_range(CLI::App& app);

}  // namespace valley::cli
