#include "workloads/network/tensor_codec.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/errors.h"
#include "common/json_reader.h"

namespace lvsim {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Int8:
      return "int8";
    case DType::UInt8:
      return "uint8";
    case DType::Int16:
      return "int16";
    case DType::Int32:
      return "int32";
  }
  return "?";
}

int dtype_bytes(DType d) {
  switch (d) {
    case DType::Float32:
      return 4;
    case DType::Float64:
      return 8;
    case DType::Int8:
      return 1;
    case DType::UInt8:
      return 1;
    case DType::Int16:
      return 2;
    case DType::Int32:
      return 4;
  }
  return 0;
}

bool dtype_is_float(DType d) {
  return d == DType::Float32 || d == DType::Float64;
}

int64_t Tensor::count() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

namespace {

constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Largest element count accepted for one tensor; keeps every size computation far from overflow.
constexpr int64_t kMaxElements = int64_t(1) << 34;

// 6-bit value of each character; 0xFF marks characters outside the alphabet (padding included).
constexpr std::array<uint8_t, 256> make_decode_table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (int i = 0; i < 64; ++i) t[uint8_t(kAlphabet[i])] = uint8_t(i);
  return t;
}
constexpr std::array<uint8_t, 256> kDecode = make_decode_table();

const std::vector<std::string> kDtypeNames = {"float32", "float64", "int8", "uint8", "int16", "int32"};

DType dtype_from_name(const std::string& s) {
  for (size_t i = 0; i < kDtypeNames.size(); ++i)
    if (kDtypeNames[i] == s) return DType(i);
  return DType::Float32;  // unreachable: names are checked by get_enum
}

void int_range(DType d, int64_t& lo, int64_t& hi) {
  switch (d) {
    case DType::Int8:
      lo = -128, hi = 127;
      return;
    case DType::UInt8:
      lo = 0, hi = 255;
      return;
    case DType::Int16:
      lo = -32768, hi = 32767;
      return;
    default:
      lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
      return;
  }
}

// Little-endian element i of a raw buffer.
uint64_t load_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int b = bytes - 1; b >= 0; --b) v = (v << 8) | p[b];
  return v;
}

void store_le(uint8_t* p, uint64_t v, int bytes) {
  for (int b = 0; b < bytes; ++b) p[b] = uint8_t(v >> (8 * b));
}

std::string index_suffix(const std::vector<int64_t>& idx) {
  std::string s;
  for (int64_t i : idx) {
    s += '[';
    s += std::to_string(i);
    s += ']';
  }
  return s;
}

// Reads inline "data" (flat, or nested exactly as `shape`) into the tensor.
class InlineReader {
 public:
  InlineReader(Tensor& t, const JsonObject& o) : t_(t), o_(o) { int_range(t.dtype, lo_, hi_); }

  void read(const nlohmann::json& data) {
    if (!data.is_array()) o_.fail("data", "expected an array");
    const int64_t n = t_.count();
    const bool nested = t_.shape.size() > 1 && !data.empty() && data[0].is_array();
    if (t_.is_float())
      t_.reals.reserve(n);
    else
      t_.ints.reserve(n);
    if (nested) {
      walk(data, 0);
    } else {
      if (int64_t(data.size()) != n)
        o_.fail("data",
                std::to_string(data.size()) + " elements, but shape " + shape_text() + " needs " + std::to_string(n));
      for (size_t i = 0; i < data.size(); ++i) {
        idx_ = {int64_t(i)};
        element(data[i]);
      }
    }
  }

 private:
  std::string shape_text() const {
    std::string s = "[";
    for (size_t i = 0; i < t_.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(t_.shape[i]);
    return s + "]";
  }

  void walk(const nlohmann::json& v, size_t dim) {
    if (dim == t_.shape.size()) return element(v);
    if (!v.is_array() || int64_t(v.size()) != t_.shape[dim])
      o_.fail("data" + index_suffix(idx_), "nested data does not match shape " + shape_text() +
                                               " (expected an array of " + std::to_string(t_.shape[dim]) +
                                               " at depth " + std::to_string(dim) + ")");
    for (size_t i = 0; i < v.size(); ++i) {
      idx_.push_back(int64_t(i));
      walk(v[i], dim + 1);
      idx_.pop_back();
    }
  }

  void element(const nlohmann::json& v) {
    const std::string key = "data" + index_suffix(idx_);
    if (t_.is_float()) {
      if (!v.is_number()) o_.fail(key, "expected a number");
      double x = v.get<double>();
      if (t_.dtype == DType::Float32) x = double(float(x));
      if (!std::isfinite(x)) o_.fail(key, "not a finite number (NaN or infinity, or beyond the dtype's range)");
      t_.reals.push_back(x);
    } else {
      if (!v.is_number_integer()) o_.fail(key, "expected an integer");
      if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi_))
        o_.fail(key, "value out of range of " + std::string(dtype_name(t_.dtype)));
      int64_t x = v.get<int64_t>();
      if (x < lo_ || x > hi_)
        o_.fail(key, "value " + std::to_string(x) + " out of range of " + std::string(dtype_name(t_.dtype)));
      t_.ints.push_back(int32_t(x));
    }
  }

  Tensor& t_;
  const JsonObject& o_;
  int64_t lo_ = 0, hi_ = 0;
  std::vector<int64_t> idx_;
};

}  // namespace

bool base64_decode(std::string_view text, std::vector<uint8_t>& out, size_t& error_pos) {
  out.clear();
  const size_t n = text.size();
  if (n % 4 != 0) {
    error_pos = n;
    return false;
  }
  if (n == 0) return true;
  size_t pad = 0;
  if (text[n - 1] == '=') pad = (text[n - 2] == '=') ? 2 : 1;
  out.resize(n / 4 * 3 - pad);
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  uint8_t* d = out.data();
  const size_t full = (n - (pad ? 4 : 0)) / 4;  // quads without padding
  for (size_t q = 0; q < full; ++q, s += 4, d += 3) {
    const uint32_t a = kDecode[s[0]], b = kDecode[s[1]], c = kDecode[s[2]], e = kDecode[s[3]];
    if ((a | b | c | e) & 0x80) {
      for (int k = 3; k >= 0; --k)
        if (kDecode[s[k]] == 0xFF) error_pos = q * 4 + size_t(k);
      out.clear();
      return false;
    }
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | e;
    d[0] = uint8_t(v >> 16);
    d[1] = uint8_t(v >> 8);
    d[2] = uint8_t(v);
  }
  if (pad) {
    const size_t base = full * 4;
    const uint32_t a = kDecode[s[0]], b = kDecode[s[1]], c = pad == 1 ? kDecode[s[2]] : 0;
    size_t bad = n;
    if (a == 0xFF)
      bad = base;
    else if (b == 0xFF)
      bad = base + 1;
    else if (c == 0xFF)
      bad = base + 2;
    if (bad != n) {
      error_pos = bad;
      out.clear();
      return false;
    }
    const uint32_t v = (a << 18) | (b << 12) | (c << 6);
    d[0] = uint8_t(v >> 16);
    if (pad == 1) d[1] = uint8_t(v >> 8);
  }
  return true;
}

std::string base64_encode(const uint8_t* data, size_t bytes) {
  std::string s((bytes + 2) / 3 * 4, '=');
  char* o = s.data();
  size_t i = 0;
  for (; i + 3 <= bytes; i += 3, o += 4) {
    const uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
  }
  if (i < bytes) {
    const uint32_t v = (uint32_t(data[i]) << 16) | (i + 1 < bytes ? uint32_t(data[i + 1]) << 8 : 0);
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    if (i + 1 < bytes) o[2] = kAlphabet[(v >> 6) & 63];
  }
  return s;
}

nlohmann::json parse_json_extracting_base64(std::string text, const std::string& origin, Base64Payloads& payloads) {
  payloads.text = std::move(text);
  payloads.ranges.clear();
  const std::string& t = payloads.text;
  const size_t n = t.size();
  std::string out;
  // (position in `out`, matching position in `t`) after each cut, to report syntax errors in file bytes.
  std::vector<std::pair<size_t, size_t>> cuts;
  size_t i = 0, copied = 0;
  auto skip_ws = [&](size_t k) {
    while (k < n && (t[k] == ' ' || t[k] == '\t' || t[k] == '\n' || t[k] == '\r')) ++k;
    return k;
  };
  // Quotes appear only around string tokens, so scanning from one string's end to the next quote
  // always lands on the start of a string token. Malformed text just stops the scan: the parser reports it.
  while (true) {
    const size_t q = t.find('"', i);
    if (q == std::string::npos) break;
    size_t e = q + 1;
    while (e < n && t[e] != '"') e += t[e] == '\\' ? 2 : 1;
    if (e >= n) break;
    i = e + 1;
    if (e - q - 1 != 6 || t.compare(q + 1, 6, "base64") != 0) continue;
    size_t k = skip_ws(i);
    if (k >= n || t[k] != ':') continue;
    k = skip_ws(k + 1);
    if (k >= n || t[k] != '"') continue;
    const size_t v0 = k + 1;
    const void* end = std::memchr(t.data() + v0, '"', n - v0);
    if (!end) break;
    const size_t v1 = size_t(static_cast<const char*>(end) - t.data());
    // Taken verbatim: base64 text never needs JSON escapes, and a backslash fails decoding.
    out.append(t, copied, v0 - copied);
    out += '#';
    out += std::to_string(payloads.ranges.size());
    payloads.ranges.emplace_back(v0, v1 - v0);
    cuts.emplace_back(out.size(), v1);
    copied = v1;
    i = v1 + 1;
  }
  if (payloads.ranges.empty()) return parse_json_text(payloads.text, origin);
  out.append(t, copied, std::string::npos);
  // Error positions refer to `out`, which lacks the cut payloads: map them back to the file.
  return parse_json_text(out, origin, [&cuts](size_t byte) {
    const size_t p = byte == 0 ? 0 : byte - 1;  // 0-based position in `out`
    size_t orig = p;
    for (const auto& [at_out, at_text] : cuts)
      if (at_out <= p) orig = at_text + (p - at_out);
    return orig + 1;
  });
}

Tensor read_tensor(const nlohmann::json& j, const std::string& file, const std::string& path,
                   const Base64Payloads* payloads) {
  JsonObject o(j, file, path);
  Tensor t;
  t.dtype = dtype_from_name(o.get_enum("dtype", kDtypeNames));
  const auto shape = o.get_int_array("shape", 0, 1, std::numeric_limits<int32_t>::max());
  int64_t n = 1;
  for (int64_t s : shape) {
    n *= s;
    if (n > kMaxElements) o.fail("shape", "too many elements");
  }
  t.shape = shape;
  const bool has_data = o.has("data"), has_b64 = o.has("base64");
  if (has_data == has_b64)
    o.fail(has_data ? "base64" : "data", "a tensor needs exactly one of \"data\" and \"base64\"");
  if (has_data) {
    InlineReader(t, o).read(o.at("data"));
  } else {
    const auto& b = o.at("base64");
    if (!b.is_string()) o.fail("base64", "expected a string");
    std::string_view text = b.get_ref<const std::string&>();
    if (payloads && text.size() > 1 && text[0] == '#') {
      size_t k = 0;
      bool digits = text.size() < 16;
      for (size_t c = 1; c < text.size() && digits; ++c) {
        digits = text[c] >= '0' && text[c] <= '9';
        k = k * 10 + size_t(text[c] - '0');
      }
      if (digits && k < payloads->ranges.size())
        text = std::string_view(payloads->text).substr(payloads->ranges[k].first, payloads->ranges[k].second);
    }
    std::vector<uint8_t> raw;
    size_t bad = 0;
    if (!base64_decode(text, raw, bad))
      throw FormatError(located(
          file, o.field("base64"),
          bad >= text.size() ? "invalid base64: length " + std::to_string(text.size()) + " is not a multiple of 4"
                             : "invalid base64 character at offset " + std::to_string(bad)));
    const int eb = dtype_bytes(t.dtype);
    if (int64_t(raw.size()) != n * eb)
      o.fail("base64", "decodes to " + std::to_string(raw.size()) + " bytes, but " + std::to_string(n) +
                           " elements of " + dtype_name(t.dtype) + " need " + std::to_string(n * eb));
    const uint8_t* p = raw.data();
    switch (t.dtype) {
      case DType::Float32:
        t.reals.resize(n);
        for (int64_t i = 0; i < n; ++i) {
          const uint32_t u = uint32_t(load_le(p + 4 * i, 4));
          float f;
          std::memcpy(&f, &u, 4);
          t.reals[i] = f;
        }
        break;
      case DType::Float64:
        t.reals.resize(n);
        for (int64_t i = 0; i < n; ++i) {
          const uint64_t u = load_le(p + 8 * i, 8);
          std::memcpy(&t.reals[i], &u, 8);
        }
        break;
      case DType::Int8:
        t.ints.resize(n);
        for (int64_t i = 0; i < n; ++i) t.ints[i] = int8_t(p[i]);
        break;
      case DType::UInt8:
        t.ints.assign(p, p + n);
        break;
      case DType::Int16:
        t.ints.resize(n);
        for (int64_t i = 0; i < n; ++i) t.ints[i] = int16_t(uint16_t(load_le(p + 2 * i, 2)));
        break;
      case DType::Int32:
        t.ints.resize(n);
        for (int64_t i = 0; i < n; ++i) t.ints[i] = int32_t(uint32_t(load_le(p + 4 * i, 4)));
        break;
    }
    for (int64_t i = 0; i < int64_t(t.reals.size()); ++i)
      if (!std::isfinite(t.reals[i]))
        o.fail("base64", "element " + std::to_string(i) + " is not finite (NaN or infinity)");
  }
  o.finish();
  return t;
}

namespace {

// dtype + shape, then either inline data or the little-endian bytes `store(raw, i)` writes per element.
template <class T, class Store>
nlohmann::json tensor_json(DType dtype, const std::vector<int64_t>& shape, const std::vector<T>& values, bool base64,
                           Store store) {
  nlohmann::json j;
  j["dtype"] = dtype_name(dtype);
  j["shape"] = shape;
  if (!base64) {
    j["data"] = values;
    return j;
  }
  const int eb = dtype_bytes(dtype);
  std::vector<uint8_t> raw(values.size() * size_t(eb));
  for (size_t i = 0; i < values.size(); ++i) store(raw.data() + i * eb, values[i], eb);
  j["base64"] = base64_encode(raw.data(), raw.size());
  return j;
}

}  // namespace

nlohmann::json int_tensor_json(DType dtype, const std::vector<int64_t>& shape, const std::vector<int32_t>& values,
                               bool base64) {
  return tensor_json(dtype, shape, values, base64,
                     [](uint8_t* p, int32_t v, int eb) { store_le(p, uint64_t(int64_t(v)), eb); });
}

nlohmann::json float_tensor_json(DType dtype, const std::vector<int64_t>& shape, const std::vector<double>& values,
                                 bool base64) {
  return tensor_json(dtype, shape, values, base64, [dtype](uint8_t* p, double v, int) {
    if (dtype == DType::Float32) {
      const float f = float(v);
      uint32_t u;
      std::memcpy(&u, &f, 4);
      store_le(p, u, 4);
    } else {
      uint64_t u;
      std::memcpy(&u, &v, 8);
      store_le(p, u, 8);
    }
  });
}

}  // namespace lvsim
