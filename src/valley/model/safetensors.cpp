#include "valley/model/safetensors.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "valley/core/error.h"

namespace valley {
namespace {

constexpr std::size_t kLengthBytes = 8;
constexpr uint64_t kF32Bytes = 4;

void append_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t read_u64(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  return v;
}

// A tensor's entry in the header, checked field by field.
struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

Entry parse_entry(const std::string& file, const std::string& tensor, const nlohmann::json& v) {
  const auto bad = [&](std::string_view problem) { fail("{}: tensor \"{}\": {}", file, tensor, problem); };
  if (!v.is_object()) bad("its entry is not a JSON object");
  if (!v.contains("dtype") || !v["dtype"].is_string()) bad("no \"dtype\" string");
  const std::string dtype = v["dtype"].get<std::string>();
  if (dtype != "F32")
    fail("{}: tensor \"{}\" has dtype {}; valley reads F32 tensors only", file, tensor, dtype.substr(0, 16));
  if (!v.contains("shape") || !v["shape"].is_array()) bad("no \"shape\" array");
  if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2 ||
      !v["data_offsets"][0].is_number_unsigned() || !v["data_offsets"][1].is_number_unsigned())
    bad("\"data_offsets\" must be two integers ≥ 0 [begin, end]");
  Entry e{tensor, {}, v["data_offsets"][0].get<uint64_t>(), v["data_offsets"][1].get<uint64_t>()};
  if (e.end < e.begin)
    fail("{}: tensor \"{}\": data_offsets [{}, {}] end before they begin", file, tensor, e.begin, e.end);
  // Πshape, refusing products whose byte count would overflow.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() / kF32Bytes;
  uint64_t n_values = 1;
  bool has_zero = false;
  bool too_large = false;
  for (const nlohmann::json& d : v["shape"]) {
    if (!d.is_number_unsigned()) bad("\"shape\" must hold integers ≥ 0");
    const uint64_t n = d.get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) bad("a dimension is too large");
    e.shape.push_back(static_cast<int64_t>(n));
    if (n == 0) {
      has_zero = true;
    } else if (n_values > limit / n) {
      too_large = true;
    } else {
      n_values *= n;
    }
  }
  if (has_zero) n_values = 0;
  if ((too_large && !has_zero) || n_values * kF32Bytes != e.end - e.begin)
    fail("{}: tensor \"{}\": shape {} needs {} bytes, but data_offsets [{}, {}] hold {}", file, tensor,
         one_line(v["shape"].dump()),
         too_large && !has_zero ? std::string("more than 2^64") : std::to_string(n_values * kF32Bytes),
         e.begin, e.end, e.end - e.begin);
  return e;
}

}  // namespace

std::string encode_safetensors(const std::vector<Tensor>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const Tensor& t : tensors) {
    const uint64_t n_bytes = kF32Bytes * t.values.size();
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + n_bytes}}};
    offset += n_bytes;
  }
  std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Spaces up to a multiple of 8, so that the data starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(kLengthBytes + text.size() + offset);
  append_u64(out, text.size());
  out += text;
  for (const Tensor& t : tensors)
    for (float v : t.values) {
      const auto bits = std::bit_cast<uint32_t>(v);
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
    }
  return out;
}

SafetensorsContents decode_safetensors(std::string_view bytes, const std::string& name) {
  if (bytes.size() < kLengthBytes)
    fail("{}: truncated: {} bytes, too short for the 8-byte header length of a safetensors file", name,
         bytes.size());
  const uint64_t header_bytes = read_u64(bytes);
  if (header_bytes > kSafetensorsMaxHeaderBytes)
    fail("{}: header length {} is over the 100 MB limit (not a safetensors file?)", name, header_bytes);
  if (header_bytes > bytes.size() - kLengthBytes)
    fail(
        "{}: header length {} runs past the end of the file ({} bytes): truncated or not a "
        "safetensors file",
        name, header_bytes, bytes.size());
  const std::string_view text = bytes.substr(kLengthBytes, header_bytes);
  const std::string_view data = bytes.substr(kLengthBytes + header_bytes);
  // The format's header starts with '{' (no byte-order mark, no blank) and is
  // padded with spaces (0x20) only; a NUL would end the text for some readers.
  if (text.empty() || text.front() != '{')
    fail("{}: the header is not a JSON object: it must start with '{{' (it starts with byte 0x{:02x}{})",
         name, text.empty() ? 0 : static_cast<uint8_t>(text.front()),
         text.substr(0, 3) == "\xEF\xBB\xBF" ? ", a UTF-8 byte-order mark" : "");
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    fail("{}: the header holds a NUL byte at offset {}; it may be padded with spaces (0x20) only", name, nul);
  nlohmann::json header;
  try {
    // JSON lets the last of two equal keys win; the format names each tensor
    // once, so a repeated key (at any depth) is refused instead.
    std::vector<std::set<std::string>> keys_at_depth;
    const nlohmann::json::parser_callback_t no_repeats = [&](int, nlohmann::json::parse_event_t event,
                                                             nlohmann::json& parsed) {
      using Event = nlohmann::json::parse_event_t;
      if (event == Event::object_start) keys_at_depth.emplace_back();
      if (event == Event::object_end && !keys_at_depth.empty()) keys_at_depth.pop_back();
      if (event == Event::key && !keys_at_depth.empty()) {
        const std::string key = parsed.get<std::string>();
        if (!keys_at_depth.back().insert(key).second)
          fail("{}: the header names \"{}\" twice", name, one_line(key.substr(0, 64)));
      }
      return true;
    };
    header = nlohmann::json::parse(text.begin(), text.end(), no_repeats);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    fail("{}: the header is not valid JSON: {}", name, one_line(e.what()));
  }
  // Valid JSON that starts with '{' ends with its '}' and JSON's blanks.
  if (const std::size_t last = text.find_last_not_of(' '); text[last] != '}')
    fail("{}: the header must be padded with spaces (0x20) only (byte {} is 0x{:02x})", name, last,
         static_cast<uint8_t>(text[last]));
  if (!header.is_object()) fail("{}: the header is not a JSON object", name);

  SafetensorsContents contents;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail("{}: __metadata__ is not a JSON object", name);
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string())
          fail("{}: __metadata__ \"{}\" is a {}, but metadata values must be strings", name,
               one_line(k.substr(0, 64)), v.type_name());
        contents.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(name, one_line(key.substr(0, 64)), value));
    entries.back().name = key;
  }

  // The tensors' byte ranges must tile the data exactly.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t at = 0;
  for (const Entry& e : entries) {
    const std::string shown = one_line(e.name.substr(0, 64));
    if (e.begin < at)
      fail(
          "{}: tensor \"{}\" (data_offsets [{}, {}]) overlaps the tensor before it, which ends "
          "at {}",
          name, shown, e.begin, e.end, at);
    if (e.begin > at)
      fail("{}: tensor \"{}\" begins at {}, leaving a gap after byte {} of the data", name, shown, e.begin,
           at);
    at = e.end;
  }
  if (at != data.size())
    fail(
        "{}: the tensors' data ends at byte {}, but the file holds {} bytes of data after the "
        "header: {}",
        name, at, data.size(), at > data.size() ? "truncated" : "trailing bytes");

  for (const Entry& e : entries) {
    Tensor t{e.name, e.shape, std::vector<float>((e.end - e.begin) / kF32Bytes)};
    const char* p = data.data() + e.begin;
    for (float& v : t.values) {
      uint32_t bits = 0;
      for (int i = 0; i < 4; ++i) bits |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
      v = std::bit_cast<float>(bits);
      p += 4;
    }
    contents.tensors.push_back(std::move(t));
  }
  return contents;
}

}  // namespace valley
