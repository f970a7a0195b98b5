// A training run's full state, written every --checkpoint-every updates so
// that `valley train --resume DIR` continues exactly where the run stopped.
// With counter-based noise (random/philox_normal.h) the random streams'
// position is the update counter itself, so the state is: the run's
// config.json, the number of updates done, x, the method's carried state (the
// SGLD chain), the metrics rows so far and the sums since the last row.
//
// File layout, little-endian; every length is checked against the bytes that
// remain before anything is allocated:
//   "VALLEYCK"  version u32  payload_bytes u64  payload  crc32 u32
// where crc32 (zlib) covers everything before it, and the payload is
//   config.json text (u64 length + UTF-8)   n_done i64
//   x (u64 count + f32 each)                method state (u64 count + f32 each)
//   rows (u64 count + per row: update i64, eight f64 in metrics.csv order)
//   since the last row: n_updates i64, n_loss i64, n_gradient i64, seconds f64,
//                       ess_sum f64, n_ess i64
//   total_seconds f64
// The file is replaced atomically (temporary file, fsync, rename), so a kill
// at any moment leaves either the previous checkpoint or the new one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/types.h"
#include "valley/train/results.h"

namespace valley {

inline constexpr uint32_t kCheckpointVersion = 1;
inline constexpr const char* kCheckpointFile = "checkpoint.bin";

// What has accumulated since the last metrics row, so that the next row of a
// resumed run equals the uninterrupted run's.
struct SinceLastRow {
  int64_t n_updates = 0;
  int64_t n_loss = 0;      // evaluations of f
  int64_t n_gradient = 0;  // evaluations of ∇f
  double seconds = 0.0;    // wall time of those updates
  double ess_sum = 0.0;    // Σ of the finite effective sample sizes
  int64_t n_ess = 0;
};

struct Checkpoint {
  nlohmann::json config;            // the run's config.json
  int64_t n_done = 0;               // updates done: the run continues with update k = n_done
  Vec x;                            // x_{n_done}
  std::vector<float> method_state;  // Method::state()
  std::vector<MetricsRow> rows;     // metrics.csv so far
  SinceLastRow since_last_row;
  double total_seconds = 0.0;  // wall time of all updates so far
};

std::string encode_checkpoint(const Checkpoint& checkpoint);

// Decodes a checkpoint; a wrong magic, version, length or checksum is a
// valley::Error that names `name` and the problem.
Checkpoint decode_checkpoint(std::string_view bytes, const std::string& name);

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
Checkpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace valley
