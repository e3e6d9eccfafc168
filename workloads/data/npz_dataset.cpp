#include "workloads/data/npz_dataset.h"

#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "common/errors.h"

namespace lvsim {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxExtent = 65536;

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw FormatError(located(origin, "", what));
}

// The value of `key` in the header dict, e.g. 'descr': '<f4' -> "'<f4'", 'shape': (2, 3) -> "(2, 3)".
std::string header_value(const std::string& h, const std::string& key, const std::string& origin) {
  const size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) fail(origin, "header has no '" + key + "'");
  size_t v = h.find(':', k);
  if (v == std::string::npos) fail(origin, "malformed header");
  ++v;
  while (v < h.size() && h[v] == ' ') ++v;
  const char open = v < h.size() ? h[v] : 0;
  const char close = open == '(' ? ')' : open == '\'' ? '\'' : 0;
  size_t end = close ? h.find(close, v + 1) : h.find_first_of(",}", v);
  if (end == std::string::npos) fail(origin, "malformed header");
  return h.substr(v, end - v + (close ? 1 : 0));
}

std::vector<int64_t> parse_shape(const std::string& t, const std::string& origin) {
  if (t.size() < 2 || t.front() != '(' || t.back() != ')') fail(origin, "malformed shape " + t);
  std::vector<int64_t> shape;
  std::string num;
  for (size_t i = 1; i < t.size(); ++i) {
    const char c = t[i];
    if (c >= '0' && c <= '9') {
      num += c;
      if (num.size() > 12) fail(origin, "shape dimension too large");
    } else if (c == ',' || c == ')') {
      if (!num.empty()) shape.push_back(std::stoll(num));
      num.clear();
    } else if (c != ' ' && c != 'L') {
      fail(origin, "malformed shape " + t);
    }
  }
  return shape;
}

// Reads the next bytes of one array (a file, an archive member or bytes in memory), front to back.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  /// Fills dst with the next n bytes; false when fewer are left (truncated or damaged).
  virtual bool read(char* dst, size_t n) = 0;
};

class StringReader : public ByteReader {
 public:
  explicit StringReader(const std::string& b) : b_(b) {}
  bool read(char* dst, size_t n) override {
    if (b_.size() - at_ < n) return false;
    std::memcpy(dst, b_.data() + at_, n);
    at_ += n;
    return true;
  }

 private:
  const std::string& b_;
  size_t at_ = 0;
};

class FileReader : public ByteReader {
 public:
  explicit FileReader(const std::string& path) : in_(path, std::ios::binary) {}
  bool ok() const { return bool(in_); }
  bool read(char* dst, size_t n) override { return bool(in_.read(dst, std::streamsize(n))); }

 private:
  std::ifstream in_;
};

class ZipMemberReader : public ByteReader {
 public:
  explicit ZipMemberReader(zip_file_t* f) : f_(f, zip_fclose) {}
  bool ok() const { return f_ != nullptr; }
  bool read(char* dst, size_t n) override { return zip_fread(f_.get(), dst, n) == zip_int64_t(n); }

 private:
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f_;
};

// Largest .npy header read (numpy writes them under 4 KiB).
constexpr size_t kMaxNpyHeaderBytes = size_t(1) << 20;

// What a .npy header says: the data follow it, `elements` values of `item_bytes` each.
struct NpyHeader {
  std::vector<int64_t> shape;
  std::string descr;
  int item_bytes = 0;
  int64_t elements = 1;
};

// Reads and checks the header; `total_bytes` is the array's size (file or member): the data must
// fill the rest of it exactly. Nothing of the data is read.
NpyHeader read_npy_header(ByteReader& r, uint64_t total_bytes, const std::string& origin) {
  char pre[12];
  if (!r.read(pre, 10) || std::memcmp(pre, "\x93NUMPY", 6) != 0) fail(origin, "not a .npy array (bad magic)");
  const int major = uint8_t(pre[6]);
  size_t header_len = 0, start = 10;
  if (major == 1) {
    header_len = uint8_t(pre[8]) | size_t(uint8_t(pre[9])) << 8;
  } else if (major == 2 || major == 3) {
    if (!r.read(pre + 10, 2)) fail(origin, "truncated header");
    for (int i = 0; i < 4; ++i) header_len |= size_t(uint8_t(pre[8 + i])) << (8 * i);
    start = 12;
  } else {
    fail(origin, ".npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_len > kMaxNpyHeaderBytes)
    fail(origin, "header longer than " + std::to_string(kMaxNpyHeaderBytes) + " bytes");
  std::string h(header_len, '\0');
  if (!r.read(h.data(), header_len)) fail(origin, "truncated header");
  NpyHeader a;
  const std::string descr = header_value(h, "descr", origin);
  a.descr = descr.size() >= 2 ? descr.substr(1, descr.size() - 2) : descr;
  if (header_value(h, "fortran_order", origin) != "False") fail(origin, "Fortran-ordered arrays are not supported");
  a.shape = parse_shape(header_value(h, "shape", origin), origin);
  for (int64_t d : a.shape) {
    a.elements *= d;
    if (a.elements > (int64_t(1) << 36)) fail(origin, "array too large");
  }
  static const std::vector<std::pair<std::string, int>> kSizes = {{"|u1", 1}, {"|i1", 1}, {"<u2", 2}, {"<i2", 2},
                                                                  {"<u4", 4}, {"<i4", 4}, {"<i8", 8}, {"<u8", 8},
                                                                  {"<f4", 4}, {"<f8", 8}};
  auto it = std::find_if(kSizes.begin(), kSizes.end(), [&](const auto& s) { return s.first == a.descr; });
  if (it == kSizes.end())
    fail(origin, "dtype '" + a.descr + "' is not supported (uint8/int8..int64 or float32/float64, little-endian)");
  a.item_bytes = it->second;
  const uint64_t need = uint64_t(a.elements) * uint64_t(a.item_bytes);
  const uint64_t have = total_bytes < start + header_len ? 0 : total_bytes - start - header_len;
  if (have < need)
    fail(origin, "truncated: " + std::to_string(have) + " data bytes, the header promises " + std::to_string(need));
  if (have > need) fail(origin, "bytes after the data the header describes");
  return a;
}

template <typename T>
double element(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return double(v);
}

// An element as written (64-bit integers exactly, which their double value is not), for messages.
std::string element_text(const std::string& descr, const char* p, double v) {
  if (descr == "<i8") {
    int64_t x;
    std::memcpy(&x, p, 8);
    return std::to_string(x);
  }
  if (descr == "<u8") {
    uint64_t x;
    std::memcpy(&x, p, 8);
    return std::to_string(x);
  }
  if (descr[1] != 'f') return std::to_string(int64_t(v));  // exact in a double up to 32 bits
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// Calls f(i, value, raw bytes) for the first n elements after the header, widened to double (exact for every
// integer dtype up to 32 bits and for uint8 / float pixels), reading them in bounded steps.
template <typename F>
void for_each_element(ByteReader& r, const NpyHeader& a, int64_t n, const std::string& origin, F f) {
  const std::string& d = a.descr;
  double (*widen)(const char*) = d == "|u1"   ? element<uint8_t>
                                 : d == "|i1" ? element<int8_t>
                                 : d == "<u2" ? element<uint16_t>
                                 : d == "<i2" ? element<int16_t>
                                 : d == "<u4" ? element<uint32_t>
                                 : d == "<i4" ? element<int32_t>
                                 : d == "<i8" ? element<int64_t>
                                 : d == "<u8" ? element<uint64_t>
                                 : d == "<f4" ? element<float>
                                              : element<double>;
  constexpr int64_t kStepElements = int64_t(1) << 20;
  std::vector<char> buf;
  for (int64_t i = 0; i < n; i += kStepElements) {
    const int64_t k = std::min(kStepElements, n - i);
    buf.resize(size_t(k * a.item_bytes));
    if (!r.read(buf.data(), buf.size())) fail(origin, "cannot read the array's data (damaged or truncated)");
    for (int64_t j = 0; j < k; ++j) f(i + j, widen(buf.data() + j * a.item_bytes), buf.data() + j * a.item_bytes);
  }
}

}  // namespace

NpyArray parse_npy(const std::string& b, const std::string& origin) {
  StringReader r(b);
  const NpyHeader h = read_npy_header(r, b.size(), origin);
  NpyArray a;
  a.shape = h.shape;
  a.descr = h.descr;
  a.values.reserve(size_t(h.elements));
  for_each_element(r, h, h.elements, origin, [&](int64_t, double v, const char*) { a.values.push_back(v); });
  return a;
}

namespace {

// The arrays of one data set: an .npz archive or a directory of .npy files. An array is read as a
// stream: its header, then only the elements asked for (an .npz member is decompressed no further).
class ArraySource {
 public:
  explicit ArraySource(std::string path) : path_(std::move(path)) {
    if (fs::is_directory(path_)) return;
    int err = 0;
    archive_ = zip_open(path_.c_str(), ZIP_RDONLY, &err);
    if (!archive_) {
      zip_error_t e;
      zip_error_init_with_code(&e, err);
      const std::string what = zip_error_strerror(&e);
      zip_error_fini(&e);
      fail(path_, "not a readable .npz (zip) archive: " + what);
    }
    try {
      check_unique_names();
    } catch (...) {  // a throwing constructor runs no destructor: close the archive here
      zip_discard(archive_);
      throw;
    }
  }
  ~ArraySource() {
    if (archive_) zip_discard(archive_);
  }
  ArraySource(const ArraySource&) = delete;
  ArraySource& operator=(const ArraySource&) = delete;

  bool has(const std::string& name) const {
    std::error_code ec;
    return archive_ ? zip_name_locate(archive_, (name + ".npy").c_str(), 0) >= 0 : fs::exists(file(name), ec);
  }
  // Where array `name` is, for messages: "data.npz: x" or "dir/x.npy".
  std::string origin(const std::string& name) const { return archive_ ? path_ + ": " + name : file(name); }

  /// The array's reader, positioned at its start, and its size in bytes.
  std::unique_ptr<ByteReader> open(const std::string& name, uint64_t& total_bytes) const {
    if (!archive_) {
      std::error_code ec;
      if (!fs::is_regular_file(file(name), ec)) fail(file(name), "not a regular file");
      total_bytes = fs::file_size(file(name), ec);
      auto r = std::make_unique<FileReader>(file(name));
      if (ec || !r->ok()) fail(file(name), "cannot open file");
      return r;
    }
    zip_stat_t st;
    if (zip_stat(archive_, (name + ".npy").c_str(), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      fail(origin(name), "cannot read the array from the archive");
    if (st.size > zip_uint64_t(kMaxNpyBytes))
      fail(origin(name),
           "the array's " + std::to_string(st.size) + " bytes exceed the limit of " + std::to_string(kMaxNpyBytes));
    total_bytes = st.size;
    auto r = std::make_unique<ZipMemberReader>(zip_fopen(archive_, (name + ".npy").c_str(), 0));
    if (!r->ok()) fail(origin(name), "cannot read the array from the archive (damaged or truncated .npz)");
    return r;
  }

 private:
  std::string file(const std::string& name) const { return (fs::path(path_) / (name + ".npy")).string(); }

  // Two members of one name: which one a reader takes is not defined, so neither is.
  void check_unique_names() const {
    const zip_int64_t n = zip_get_num_entries(archive_, 0);
    std::vector<std::string> names;
    for (zip_int64_t i = 0; i < n; ++i)
      if (const char* s = zip_get_name(archive_, zip_uint64_t(i), 0)) names.emplace_back(s);
    std::sort(names.begin(), names.end());
    const auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end()) fail(path_, "two members named " + *dup + " (an archive holds each array once)");
  }

  std::string path_;
  zip_t* archive_ = nullptr;
};

// Raw pixels of x (N x C x H x W, or N x H x W with one channel): integers 0..255. Returns N.
// Only the images kept are read (and, in an archive, decompressed).
int64_t read_images(const ArraySource& src, const std::string& name, int64_t max_images, Dataset& d) {
  const std::string where = src.origin(name);
  uint64_t total = 0;
  const std::unique_ptr<ByteReader> r = src.open(name, total);
  const NpyHeader x = read_npy_header(*r, total, where);
  if (x.shape.size() != 4 && x.shape.size() != 3)
    fail(where, "expected shape N x C x H x W (or N x H x W), got " + std::to_string(x.shape.size()) + " dimensions");
  if (x.shape[0] < 1) fail(where, "holds no images");
  if (x.shape[0] > kMaxImages)
    fail(where, std::to_string(x.shape[0]) + " images exceed the limit of " + std::to_string(kMaxImages));
  const bool one_channel = x.shape.size() == 3;
  const int64_t c = one_channel ? 1 : x.shape[1], h = x.shape[one_channel ? 1 : 2], w = x.shape[one_channel ? 2 : 3];
  for (int64_t e : {c, h, w})
    if (e < 1 || e > kMaxExtent) fail(where, "image dimensions must be 1..65536");
  if (c * h * w > kMaxImageBytes)
    fail(where, "one image of " + std::to_string(c * h * w) + " pixels exceeds the limit of " +
                    std::to_string(kMaxImageBytes));
  d.image_shape = Shape{int(c), int(h), int(w)};
  d.count = max_images < 0 ? x.shape[0] : std::min(max_images, x.shape[0]);
  d.pixels.resize(size_t(d.count * d.image_shape.size()));
  for_each_element(*r, x, int64_t(d.pixels.size()), where, [&](int64_t i, double v, const char* raw) {
    if (!(v >= 0 && v <= 255 && v == std::floor(v)))
      fail(where, "element " + std::to_string(i) + " = " + element_text(x.descr, raw, v) +
                      " is not a raw pixel value 0..255 (lvsim reads 8-bit pixels; the network file's "
                      "input.preprocess scales them)");
    d.pixels[size_t(i)] = uint8_t(v);
  });
  return x.shape[0];
}

void read_labels(const ArraySource& src, const std::string& name, int64_t images, int64_t count, Dataset& d) {
  const std::string where = src.origin(name);
  uint64_t total = 0;
  const std::unique_ptr<ByteReader> r = src.open(name, total);
  const NpyHeader y = read_npy_header(*r, total, where);
  if (y.shape.size() != 1) fail(where, "expected a 1-D array of labels");
  if (y.shape[0] != images)
    fail(where, std::to_string(y.shape[0]) + " labels for " + std::to_string(images) + " images");
  if (y.descr.find('f') != std::string::npos) fail(where, "labels must be integers, not " + y.descr);
  int max_label = 0;
  for_each_element(*r, y, count, where, [&](int64_t i, double v, const char* raw) {
    if (v < 0 || v > 255)
      fail(where, "label " + std::to_string(i) + " = " + element_text(y.descr, raw, v) + " is outside 0..255");
    d.labels.push_back(uint8_t(v));
    max_label = std::max(max_label, int(v));
  });
  d.num_classes = std::max(10, max_label + 1);
}

}  // namespace

bool is_numpy_dataset(const std::string& path) {
  std::error_code ec;
  if (fs::path(path).extension() == ".npz") return true;
  if (!fs::is_directory(path, ec)) return false;
  for (const char* n : {"x.npy", "x_test.npy", "x_train.npy"})  // any kind of file: reading it says what is wrong
    if (fs::exists(fs::symlink_status(fs::path(path) / n, ec))) return true;
  return false;
}

Dataset load_numpy_dataset(const std::string& path, Split split, int64_t max_images) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Missing<FormatError>(located(path, "", "data set file does not exist"));
  const ArraySource src(path);
  const std::string suffix = split == Split::Train ? "_train" : "_test";
  // Split arrays when present; otherwise the one set `x`, `y` serves both splits.
  const std::string x = src.has("x" + suffix) ? "x" + suffix : "x", y = src.has("x" + suffix) ? "y" + suffix : "y";
  if (!src.has(x)) fail(path, "no array x" + suffix + " or x (expected x/y, or x_train/y_train and x_test/y_test)");
  Dataset d;
  d.source = src.origin(x);
  const int64_t images = read_images(src, x, max_images, d);
  if (!src.has(y)) fail(src.origin(y), "missing: the labels of " + x);
  read_labels(src, y, images, d.count, d);
  return d;
}

}  // namespace lvsim
