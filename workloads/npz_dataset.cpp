#include "workloads/npz_dataset.h"

#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

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

// Appends n little-endian elements of type T at `p` to `out`.
template <typename T>
void widen(const char* p, int64_t n, std::vector<double>& out) {
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i * int64_t(sizeof(T)), sizeof(T));
    out.push_back(double(v));
  }
}

}  // namespace

NpyArray parse_npy(const std::string& b, const std::string& origin) {
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) fail(origin, "not a .npy array (bad magic)");
  const int major = uint8_t(b[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = uint8_t(b[8]) | size_t(uint8_t(b[9])) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) fail(origin, "truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= size_t(uint8_t(b[8 + i])) << (8 * i);
    start = 12;
  } else {
    fail(origin, ".npy format version " + std::to_string(major) + " is not supported");
  }
  if (b.size() < start + header_len) fail(origin, "truncated header");
  const std::string h = b.substr(start, header_len);
  NpyArray a;
  const std::string descr = header_value(h, "descr", origin);
  a.descr = descr.size() >= 2 ? descr.substr(1, descr.size() - 2) : descr;
  if (header_value(h, "fortran_order", origin) != "False") fail(origin, "Fortran-ordered arrays are not supported");
  a.shape = parse_shape(header_value(h, "shape", origin), origin);
  int64_t n = 1;
  for (int64_t d : a.shape) {
    n *= d;
    if (n > (int64_t(1) << 36)) fail(origin, "array too large");
  }
  static const std::vector<std::pair<std::string, int>> kSizes = {{"|u1", 1}, {"|i1", 1}, {"<u2", 2}, {"<i2", 2},
                                                                  {"<u4", 4}, {"<i4", 4}, {"<i8", 8}, {"<u8", 8},
                                                                  {"<f4", 4}, {"<f8", 8}};
  auto it = std::find_if(kSizes.begin(), kSizes.end(), [&](const auto& s) { return s.first == a.descr; });
  if (it == kSizes.end())
    fail(origin, "dtype '" + a.descr + "' is not supported (uint8/int8..int64 or float32/float64, little-endian)");
  const size_t need = size_t(n) * size_t(it->second), have = b.size() - start - header_len;
  if (have < need)
    fail(origin, "truncated: " + std::to_string(have) + " data bytes, the header promises " + std::to_string(need));
  if (have > need) fail(origin, "bytes after the data the header describes");
  const char* p = b.data() + start + header_len;
  a.values.reserve(size_t(n));
  const std::string& d = a.descr;
  if (d == "|u1")
    widen<uint8_t>(p, n, a.values);
  else if (d == "|i1")
    widen<int8_t>(p, n, a.values);
  else if (d == "<u2")
    widen<uint16_t>(p, n, a.values);
  else if (d == "<i2")
    widen<int16_t>(p, n, a.values);
  else if (d == "<u4")
    widen<uint32_t>(p, n, a.values);
  else if (d == "<i4")
    widen<int32_t>(p, n, a.values);
  else if (d == "<i8")
    widen<int64_t>(p, n, a.values);
  else if (d == "<u8")
    widen<uint64_t>(p, n, a.values);
  else if (d == "<f4")
    widen<float>(p, n, a.values);
  else
    widen<double>(p, n, a.values);
  return a;
}

namespace {

// The arrays of one data set: an .npz archive or a directory of .npy files.
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
  }
  ~ArraySource() {
    if (archive_) zip_discard(archive_);
  }
  ArraySource(const ArraySource&) = delete;
  ArraySource& operator=(const ArraySource&) = delete;

  bool has(const std::string& name) const {
    return archive_ ? zip_name_locate(archive_, (name + ".npy").c_str(), 0) >= 0 : fs::is_regular_file(file(name));
  }
  // Where array `name` is, for messages: "data.npz: x" or "dir/x.npy".
  std::string origin(const std::string& name) const { return archive_ ? path_ + ": " + name : file(name); }

  NpyArray read(const std::string& name) const { return parse_npy(bytes(name), origin(name)); }

 private:
  std::string file(const std::string& name) const { return (fs::path(path_) / (name + ".npy")).string(); }

  std::string bytes(const std::string& name) const {
    if (!archive_) {
      std::ifstream in(file(name), std::ios::binary);
      if (!in) fail(file(name), "cannot open file");
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    zip_stat_t st;
    if (zip_stat(archive_, (name + ".npy").c_str(), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      fail(origin(name), "cannot read the array from the archive");
    if (st.size > zip_uint64_t(kMaxNpyBytes))
      fail(origin(name), "the array's " + std::to_string(st.size) + " bytes exceed the limit of " +
                             std::to_string(kMaxNpyBytes));
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen(archive_, (name + ".npy").c_str(), 0), zip_fclose);
    if (!f) fail(origin(name), "cannot read the array from the archive (damaged or truncated .npz)");
    // The size is the archive's claim: read in steps, so a member shorter than it claims fails after
    // allocating what it held, not what it claimed (found by fuzz_npz: 3.8 GB for a 1 kB archive).
    constexpr zip_uint64_t kStep = zip_uint64_t(64) << 20;
    std::string out;
    while (out.size() < st.size) {
      const size_t done = out.size(), n = size_t(std::min<zip_uint64_t>(kStep, st.size - done));
      out.resize(done + n);
      if (zip_fread(f.get(), out.data() + done, n) != zip_int64_t(n))
        fail(origin(name), "cannot read the array from the archive (damaged or truncated .npz)");
    }
    return out;
  }

  std::string path_;
  zip_t* archive_ = nullptr;
};

// Raw pixels of x (N x C x H x W, or N x H x W with one channel): integers 0..255. Returns N.
int64_t read_images(const ArraySource& src, const std::string& name, int64_t max_images, Dataset& d) {
  const NpyArray x = src.read(name);
  const std::string where = src.origin(name);
  if (x.shape.size() != 4 && x.shape.size() != 3)
    fail(where, "expected shape N x C x H x W (or N x H x W), got " + std::to_string(x.shape.size()) + " dimensions");
  if (x.shape[0] < 1) fail(where, "holds no images");
  const bool one_channel = x.shape.size() == 3;
  const int64_t c = one_channel ? 1 : x.shape[1], h = x.shape[one_channel ? 1 : 2], w = x.shape[one_channel ? 2 : 3];
  for (int64_t e : {c, h, w})
    if (e < 1 || e > kMaxExtent) fail(where, "image dimensions must be 1..65536");
  d.image_shape = Shape{int(c), int(h), int(w)};
  d.count = max_images < 0 ? x.shape[0] : std::min(max_images, x.shape[0]);
  const size_t n = size_t(d.count * d.image_shape.size());
  d.pixels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double v = x.values[i];
    if (!(v >= 0 && v <= 255 && v == std::floor(v)))
      fail(where, "element " + std::to_string(i) + " = " + std::to_string(v) +
                      " is not a raw pixel value 0..255 (lvsim reads 8-bit pixels; the network file's "
                      "input.preprocess scales them)");
    d.pixels[i] = uint8_t(v);
  }
  return x.shape[0];
}

void read_labels(const ArraySource& src, const std::string& name, int64_t images, int64_t count, Dataset& d) {
  const NpyArray y = src.read(name);
  const std::string where = src.origin(name);
  if (y.shape.size() != 1) fail(where, "expected a 1-D array of labels");
  if (y.shape[0] != images)
    fail(where, std::to_string(y.shape[0]) + " labels for " + std::to_string(images) + " images");
  if (y.descr.find('f') != std::string::npos) fail(where, "labels must be integers, not " + y.descr);
  int max_label = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double v = y.values[size_t(i)];
    if (v < 0 || v > 255)
      fail(where, "label " + std::to_string(i) + " = " + std::to_string(int64_t(v)) + " is outside 0..255");
    d.labels.push_back(uint8_t(v));
    max_label = std::max(max_label, int(v));
  }
  d.num_classes = std::max(10, max_label + 1);
}

}  // namespace

bool is_numpy_dataset(const std::string& path) {
  std::error_code ec;
  if (fs::path(path).extension() == ".npz") return true;
  if (!fs::is_directory(path, ec)) return false;
  for (const char* n : {"x.npy", "x_test.npy", "x_train.npy"})
    if (fs::is_regular_file(fs::path(path) / n, ec)) return true;
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
  if (!src.has(y)) fail(src.origin(y), "missing: the labels of " + x);
  Dataset d;
  d.source = src.origin(x);
  const int64_t images = read_images(src, x, max_images, d);
  read_labels(src, y, images, d.count, d);
  return d;
}

}  // namespace lvsim
