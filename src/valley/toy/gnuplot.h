// Drawing figures with gnuplot (the project's plotting dependency): run a
// script that writes PNGs under temporary names "NAME.png.tmp", then rename
// each into place, so that no half-drawn figure is ever left under its name.
// The script is run as `gnuplot SCRIPT` without a shell.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace valley {

// Whether a `gnuplot` executable is on PATH.
bool gnuplot_available();

// Runs gnuplot on `script` and renames dir/NAME.png.tmp to dir/NAME.png for
// each of `pngs`. Fails, naming the script, if gnuplot fails or a PNG is
// missing.
void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& dir,
                 const std::vector<std::string>& pngs);

// A gnuplot single-quoted string literal for `text` (quotes doubled).
std::string gnuplot_quote(const std::string& text);

}  // namespace valley
