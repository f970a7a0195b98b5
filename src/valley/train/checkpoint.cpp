#include "valley/distributed/communicator.h"
#include "valley/train/checkpoint.h"

#include <bit>
#include <cstring>

#include <zlib.h>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/data/idx.h"

namespace valley {
namespace {

constexpr std::string_view kMagic = "VALLEYCK";
constexpr std::size_t kHeaderBytes = 8 + 4 + 8;  // magic, version, payload length
constexpr std::size_t kCrcBytes = 4;
constexpr std::size_t kRowBytes = 8 * 9;

uint32_t crc32_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB per call.
  constexpr std::size_t kStep = std::size_t{1} << 30;
  for (std::size_t at = 0; at < bytes.size(); at += kStep) {
    const std::size_t n = std::min(kStep, bytes.size() - at);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
  }
  return static_cast<uint32_t>(crc);
}

class Writer {
 public:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) { u64(std::bit_cast<uint64_t>(v)); }
  void floats(const float* data, std::size_t n) {
    u64(n);
    out_.reserve(out_.size() + 4 * n);
    for (std::size_t i = 0; i < n; ++i) u32(std::bit_cast<uint32_t>(data[i]));
  }
  void text(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads fields in order; running out of bytes is an error naming the field.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  std::size_t remaining() const { return bytes_.size() - at_; }

  uint64_t u64(const char* what) {
    need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(bytes_[at_ + i])} << (8 * i);
    at_ += 8;
    return v;
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(bytes_[at_ + i])} << (8 * i);
    at_ += 4;
    return v;
  }
  int64_t i64(const char* what) { return static_cast<int64_t>(u64(what)); }
  double f64(const char* what) { return std::bit_cast<double>(u64(what)); }

  // A count of items of `item_bytes` each, checked against what remains.
  uint64_t count(const char* what, std::size_t item_bytes) {
    const uint64_t n = u64(what);
    if (n > remaining() / item_bytes)
      fail("{}: {} declares {} entries but only {} bytes remain (corrupt checkpoint)", name_, what, n,
           remaining());
    return n;
  }
  std::vector<float> floats(const char* what) {
    const uint64_t n = count(what, 4);
    std::vector<float> out(n);
    for (float& v : out) v = std::bit_cast<float>(u32(what));
    return out;
  }
  std::string text(const char* what) {
    const uint64_t n = count(what, 1);
    std::string out(bytes_.substr(at_, n));
    at_ += n;
    return out;
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (remaining() < n) fail("{}: ends inside {} (corrupt checkpoint)", name_, what);
  }

  std::string_view bytes_;
  const std::string& name_;
  std::size_t at_ = 0;
};

void write_row(Writer& w, const MetricsRow& r) {
  w.i64(r.update);
  for (double v :
       {r.seconds, r.train_loss, r.test_accuracy, r.test_loss, r.tau, r.loss_evals, r.gradient_evals, r.ess})
    w.f64(v);
}

MetricsRow read_row(Reader& r) {
  MetricsRow row;
  row.update = r.i64("a metrics row");
  for (double* v : {&row.seconds, &row.train_loss, &row.test_accuracy, &row.test_loss, &row.tau,
                    &row.loss_evals, &row.gradient_evals, &row.ess})
    *v = r.f64("a metrics row");
  return row;
}

Checkpoint decode_payload(std::string_view payload, const std::string& name) {
  Reader r(payload, name);
  Checkpoint c;
  const std::string config_text = r.text("the configuration");
  try {
    c.config = nlohmann::json::parse(config_text);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: the stored configuration is not valid JSON ({})", name, e.what());
  }
  if (!c.config.is_object()) fail("{}: the stored configuration is not a JSON object", name);
  c.n_done = r.i64("the update counter");
  if (c.n_done < 0) fail("{}: update counter {} is negative", name, c.n_done);
  const std::vector<float> x = r.floats("the parameters");
  c.x = Eigen::Map<const Vec>(x.data(), static_cast<Eigen::Index>(x.size()));
  c.method_state = r.floats("the method state");
  const uint64_t n_rows = r.count("the metrics rows", kRowBytes);
  c.rows.reserve(n_rows);
  for (uint64_t i = 0; i < n_rows; ++i) c.rows.push_back(read_row(r));
  SinceLastRow& s = c.since_last_row;
  s.n_updates = r.i64("the sums since the last row");
  s.n_loss = r.i64("the sums since the last row");
  s.n_gradient = r.i64("the sums since the last row");
  s.seconds = r.f64("the sums since the last row");
  s.ess_sum = r.f64("the sums since the last row");
  s.n_ess = r.i64("the sums since the last row");
  c.total_seconds = r.f64("the total time");
  if (r.remaining() != 0)
    fail("{}: {} unexpected bytes after the state (corrupt checkpoint)", name, r.remaining());
  return c;
}

}  // namespace

std::string encode_checkpoint(const Checkpoint& c) {
  Writer payload;
  payload.text(c.config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  payload.i64(c.n_done);
  payload.floats(c.x.data(), static_cast<std::size_t>(c.x.size()));
  payload.floats(c.method_state.data(), c.method_state.size());
  payload.u64(c.rows.size());
  for (const MetricsRow& row : c.rows) write_row(payload, row);
  const SinceLastRow& s = c.since_last_row;
  payload.i64(s.n_updates);
  payload.i64(s.n_loss);
  payload.i64(s.n_gradient);
  payload.f64(s.seconds);
  payload.f64(s.ess_sum);
  payload.i64(s.n_ess);
  payload.f64(c.total_seconds);

  Writer file;
  file.bytes().append(kMagic);
  file.u32(kCheckpointVersion);
  file.u64(payload.bytes().size());
  file.bytes().append(payload.bytes());
  file.u32(crc32_of(file.bytes()));
  return std::move(file.bytes());
}

Checkpoint decode_checkpoint(std::string_view bytes, const std::string& name) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic)
    fail("{}: not a valley checkpoint (it does not start with {})", name, kMagic);
  if (bytes.size() < kHeaderBytes + kCrcBytes)
    fail("{}: file is {} bytes, shorter than a checkpoint header (truncated?)", name, bytes.size());
  Reader header(bytes.substr(kMagic.size(), kHeaderBytes - kMagic.size()), name);
  const uint32_t version = header.u32("the version");
  if (version != kCheckpointVersion)
    fail("{}: checkpoint format version {}, but this valley reads version {}", name, version,
         kCheckpointVersion);
  const uint64_t payload_bytes = header.u64("the payload length");
  const uint64_t actual = bytes.size() - kHeaderBytes - kCrcBytes;
  if (payload_bytes > actual)
    fail("{}: header declares {} bytes of state but the file holds only {} (truncated?)", name, payload_bytes,
         actual);
  if (payload_bytes < actual)
    fail("{}: header declares {} bytes of state but the file holds {} (trailing bytes)", name, payload_bytes,
         actual);
  const std::size_t crc_at = kHeaderBytes + payload_bytes;
  const uint32_t stored = Reader(bytes.substr(crc_at), name).u32("the checksum");
  const uint32_t computed = crc32_of(bytes.substr(0, crc_at));
  if (stored != computed)
    fail("{}: checksum mismatch (stored {:08x}, computed {:08x}): the checkpoint is corrupt", name, stored,
         computed);
  return decode_payload(bytes.substr(kHeaderBytes, payload_bytes), name);
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint) {
  // Every rank of a distributed run holds the same state; rank 0 writes it.
  if (!distributed::world().is_root()) return;
  write_file_atomically(path, encode_checkpoint(checkpoint));
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return decode_checkpoint(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                           path.string());
}

}  // namespace valley
