// Drawing figures with gnuplot (the project's plotting dependency), the one
// place that finds, quotes for and runs it. gnuplot is run without a shell,
// from the figure's directory, with its messages collected: a failure names
// the script and gnuplot's first message; a success prints nothing.
// Scripts write each PNG under a temporary name "NAME.png.tmp" that is
// renamed into place once gnuplot has succeeded, so that no half-drawn
// figure is ever left under its name.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace valley {

// The `gnuplot` executable on PATH, or an empty path where there is none.
std::filesystem::path find_gnuplot();

// Whether a `gnuplot` executable is on PATH.
bool gnuplot_available();

// A gnuplot single-quoted string literal for `text` (quotes doubled, control
// characters, which would end the script's line, made spaces; no other
// escapes). Paths handed to a script are checked to hold no control
// character first (core/files.h, expect_printable_path).
std::string gnuplot_quote(const std::string& text);

// Runs gnuplot (from PATH) in `dir` with `args`, standard input and output
// on /dev/null; fails, naming `script` and gnuplot's first message, unless
// gnuplot exits 0. Then renames dir/NAME.tmp to dir/NAME for each of
// `outputs` (names relative to `dir`), failing if gnuplot did not draw one.
void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& dir,
                 const std::vector<std::string>& args, const std::vector<std::string>& outputs);

// The same, for a script that takes no arguments: `gnuplot SCRIPT`.
void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& dir,
                 const std::vector<std::string>& outputs);

}  // namespace valley
