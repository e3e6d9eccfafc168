// Tensors of the network file format (docs/model-format.md, "Tensors"): decoding of
// {"dtype", "shape", "data" | "base64"} objects with located errors, and encoding for the exporter.
// base64 payloads are decoded without per-element JSON overhead: a 10 M-weight tensor costs one
// string scan.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lvsim {

/// Element type of a stored tensor.
enum class DType { Float32, Float64, Int8, UInt8, Int16, Int32 };

const char* dtype_name(DType d);
int dtype_bytes(DType d);
bool dtype_is_float(DType d);

/// A decoded tensor: float dtypes fill `reals` (finite, float32 values rounded to float32),
/// integer dtypes fill `ints`. Row-major in `shape`.
struct Tensor {
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  std::vector<double> reals;
  std::vector<int32_t> ints;

  int64_t count() const;
  bool is_float() const { return dtype_is_float(dtype); }
};

/// The values of "base64" keys cut out of a document's text before JSON parsing, so that the JSON
/// parser never scans megabytes of payload character by character. In the parsed document each
/// such value is replaced by the placeholder "#<index>" ('#' is outside the base64 alphabet).
struct Base64Payloads {
  std::string text;                               // the original document text
  std::vector<std::pair<size_t, size_t>> ranges;  // offset and length of each payload in `text`
};

/// Parses JSON text, moving every string value of a "base64" key into `payloads`. FormatError
/// `origin: malformed JSON at byte N` (N: position in the original text) on syntax errors.
nlohmann::json parse_json_extracting_base64(std::string text, const std::string& origin, Base64Payloads& payloads);

/// Decodes the tensor object `j` found at `path` of `file`. ConfigError (`file: path.key: what`)
/// on unknown keys, bad dtype or shape, element count != product of shape, non-finite floats,
/// integers outside the dtype, nested data not matching the shape; FormatError on invalid base64.
/// With `payloads`, "base64" placeholders are resolved through it.
Tensor read_tensor(const nlohmann::json& j, const std::string& file, const std::string& path,
                   const Base64Payloads* payloads = nullptr);

/// Standard base64 (RFC 4648 alphabet, '=' padding).
std::string base64_encode(const uint8_t* data, size_t bytes);

/// Decodes standard base64 with mandatory padding (length a multiple of 4, no whitespace). Returns
/// false and sets `error_pos` (offset of the first bad character) on invalid input.
bool base64_decode(std::string_view text, std::vector<uint8_t>& out, size_t& error_pos);

/// Integer tensor object with values stored as little-endian base64 (`base64 = true`) or inline flat data.
nlohmann::json int_tensor_json(DType dtype, const std::vector<int64_t>& shape, const std::vector<int32_t>& values,
                               bool base64);

/// Float tensor object (float32 or float64) as little-endian base64 or inline flat data.
nlohmann::json float_tensor_json(DType dtype, const std::vector<int64_t>& shape, const std::vector<double>& values,
                                 bool base64);

}  // namespace lvsim
