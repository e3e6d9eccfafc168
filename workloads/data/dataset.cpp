#include "workloads/data/dataset.h"

#include "workloads/data/npz_dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/errors.h"

namespace lvsim {

namespace {

namespace fs = std::filesystem;

constexpr int kNumClasses = 10;
constexpr int64_t kCifarSide = 32;
constexpr int64_t kCifarImageBytes = 3 * kCifarSide * kCifarSide;
constexpr int64_t kCifarRecordBytes = 1 + kCifarImageBytes;

std::string join(const std::string& dir, const std::string& name) {
  return (fs::path(dir) / name).string();
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// Sequential reader over a raw or a gzip file (zlib). Reads are short only at end of data.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path), gzip_(path.size() > 3 && path.ends_with(".gz")) {
    if (gzip_) {
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw FormatError(located(path, "", std::string("cannot open: ") + std::strerror(errno)));
      gzbuffer(gz_, 1 << 20);
    } else {
      file_ = std::fopen(path.c_str(), "rb");
      if (!file_) throw FormatError(located(path, "", std::string("cannot open: ") + std::strerror(errno)));
    }
  }
  ~ByteSource() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool gzip() const { return gzip_; }

  /// Reads up to n bytes; returns how many were read (fewer only at the end of the data).
  int64_t read(void* dst, int64_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    int64_t done = 0;
    while (done < n) {
      if (gzip_) {
        unsigned chunk = unsigned(std::min<int64_t>(n - done, int64_t(1) << 30));
        int got = gzread(gz_, out + done, chunk);
        if (got < 0) {
          int err = 0;
          const char* msg = gzerror(gz_, &err);
          throw FormatError(located(path_, "", std::string("corrupt gzip data: ") + msg));
        }
        if (got == 0) {
          // A gzip stream cut short reads as end of data with Z_BUF_ERROR set.
          int err = 0;
          gzerror(gz_, &err);
          if (err == Z_BUF_ERROR) truncated_stream_ = true;
          break;
        }
        done += got;
      } else {
        size_t got = std::fread(out + done, 1, size_t(n - done), file_);
        if (got == 0) {
          if (std::ferror(file_)) throw FormatError(located(path_, "", "read error"));
          break;
        }
        done += int64_t(got);
      }
    }
    return done;
  }

  /// True if a gzip stream ended before its trailer (the compressed file itself is truncated).
  bool truncated_stream() const { return truncated_stream_; }

 private:
  std::string path_;
  bool gzip_ = false;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
  bool truncated_stream_ = false;
};

// Header of an IDX file of unsigned bytes: magic 0x00 0x00 0x08 <ndims>, then ndims big-endian
// 32-bit sizes, then the data (row-major).
struct IdxHeader {
  std::vector<int64_t> dims;
  int64_t header_bytes() const { return 4 + 4 * int64_t(dims.size()); }
  /// Bounded by the header limits (kMaxImages x kMaxImageBytes < 2^51) once read_idx_header accepted it.
  int64_t data_bytes() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

std::string hex32(const unsigned char* b) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%02X%02X%02X%02X", b[0], b[1], b[2], b[3]);
  return s;
}

std::string truncated_message(int64_t got, int64_t promised, const std::string& what) {
  return "truncated: " + std::to_string(got) + " bytes of " + what + " where the header promises " +
         std::to_string(promised);
}

IdxHeader read_idx_header(ByteSource& src, const std::string& path, int want_dims, const char* what) {
  unsigned char magic[4];
  int64_t got = src.read(magic, 4);
  if (got < 4) throw FormatError(located(path, "header", "truncated: file ends inside the 4-byte magic number"));
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08)
    throw FormatError(located(path, "magic number",
                              "bad magic number " + hex32(magic) + ", expected 0x0000080" + std::to_string(want_dims) +
                                  " (IDX, unsigned bytes, " + std::to_string(want_dims) + " dimensions)"));
  if (magic[3] != want_dims)
    throw FormatError(located(
        path, "magic number",
        "has " + std::to_string(magic[3]) + " dimensions, expected " + std::to_string(want_dims) + " (" + what + ")"));
  IdxHeader h;
  for (int i = 0; i < want_dims; ++i) {
    unsigned char b[4];
    if (src.read(b, 4) < 4)
      throw FormatError(located(path, "header", "truncated: file ends inside the dimension sizes"));
    h.dims.push_back((int64_t(b[0]) << 24) | (int64_t(b[1]) << 16) | (int64_t(b[2]) << 8) | int64_t(b[3]));
  }
  for (size_t i = 1; i < h.dims.size(); ++i)
    if (h.dims[i] <= 0) throw FormatError(located(path, "header", "dimension " + std::to_string(i) + " is 0"));
  if (h.dims[0] == 0) throw FormatError(located(path, "header", std::string("holds no ") + what));
  // Limits checked before anything is allocated: a header declaring millions of huge images
  // must not make lvsim zero-fill gigabytes before it notices the file is short.
  // Each dimension is below 2^32, so the product is checked step by step (two of them overflow int64).
  int64_t per_item = 1;
  for (size_t i = 1; i < h.dims.size(); ++i) {
    if (h.dims[i] > kMaxImageBytes / per_item)
      throw FormatError(located(path, "header",
                                "images of " + std::to_string(per_item) + " x " + std::to_string(h.dims[i]) +
                                    " bytes exceed the limit of " + std::to_string(kMaxImageBytes)));
    per_item *= h.dims[i];
  }
  if (h.dims[0] > kMaxImages)
    throw FormatError(located(path, "header",
                              "declares " + std::to_string(h.dims[0]) + " " + what + ", more than the limit of " +
                                  std::to_string(kMaxImages)));
  return h;
}

// A raw file must be exactly as long as its header says; checked by size, without reading it.
void check_raw_size(const ByteSource& src, const std::string& path, const IdxHeader& h) {
  if (src.gzip()) return;
  const int64_t size = int64_t(fs::file_size(path));
  const int64_t promised = h.header_bytes() + h.data_bytes();
  if (size < promised) throw FormatError(located(path, "data", truncated_message(size, promised, "file")));
  if (size > promised)
    throw FormatError(located(path, "data",
                              std::to_string(size - promised) + " bytes after the data the header describes (" +
                                  std::to_string(promised) + " bytes)"));
}

// Reads `bytes` data bytes into `out`, or throws the truncation error; with `whole`, data beyond
// the header's promise is an error too (gzip files: checked here). `out` grows in steps of at most 64 MiB as data
// arrives: a gzip stream shorter than its header promises fails after allocating what it held, not what it promised.
void read_growing(ByteSource& src, const std::string& path, const IdxHeader& h, std::vector<uint8_t>& out,
                  int64_t bytes, bool whole) {
  constexpr int64_t kStep = int64_t(64) << 20;
  out.clear();
  int64_t done = 0;
  while (done < bytes) {
    const int64_t n = std::min(kStep, bytes - done);
    out.resize(size_t(done + n));
    const int64_t got = src.read(out.data() + done, n);
    done += got;
    if (got < n) break;
  }
  if (done < bytes || src.truncated_stream())
    throw FormatError(
        located(path, "data",
                src.truncated_stream() && done == bytes
                    ? std::string("truncated: the gzip stream ends before its end marker")
                    : truncated_message(h.header_bytes() + done, h.header_bytes() + h.data_bytes(), "file")));
  if (whole && src.gzip()) {
    unsigned char extra;
    if (src.read(&extra, 1) == 1)
      throw FormatError(located(
          path, "data", "more data after the " + std::to_string(h.data_bytes()) + " bytes the header describes"));
    if (src.truncated_stream())
      throw FormatError(located(path, "data", "truncated: the gzip stream ends before its end marker"));
  }
}

void check_labels(const std::string& path, const std::vector<uint8_t>& labels, int64_t first_index) {
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= kNumClasses)
      throw FormatError(
          located(path, "label " + std::to_string(first_index + int64_t(i)),
                  "is " + std::to_string(labels[i]) + ", not below the " + std::to_string(kNumClasses) + " classes"));
}

// Path of an IDX file given its base name: the raw file, else its .gz.
std::string find_idx_file(const std::string& dir, const std::string& base) {
  const std::string raw = join(dir, base);
  if (is_file(raw)) return raw;
  if (is_file(raw + ".gz")) return raw + ".gz";
  throw FormatError(located(raw, "", "missing (neither " + base + " nor " + base + ".gz exists in " + dir + ")"));
}

Dataset load_idx(const std::string& dir, Split split, int64_t max_images) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string image_path = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string label_path = find_idx_file(dir, prefix + "-labels-idx1-ubyte");

  ByteSource images(image_path);
  IdxHeader ih = read_idx_header(images, image_path, 3, "images");
  check_raw_size(images, image_path, ih);
  ByteSource labels(label_path);
  IdxHeader lh = read_idx_header(labels, label_path, 1, "labels");
  check_raw_size(labels, label_path, lh);
  if (ih.dims[0] != lh.dims[0])
    throw FormatError(located(label_path, "count",
                              "holds " + std::to_string(lh.dims[0]) + " labels but " + image_path + " holds " +
                                  std::to_string(ih.dims[0]) + " images"));

  Dataset d;
  d.source = image_path;
  d.num_classes = kNumClasses;
  d.image_shape = Shape{1, int(ih.dims[1]), int(ih.dims[2])};
  d.count = max_images < 0 ? ih.dims[0] : std::min(max_images, ih.dims[0]);
  const bool whole = d.count == ih.dims[0];
  read_growing(images, image_path, ih, d.pixels, d.count * d.image_shape.size(), whole);
  read_growing(labels, label_path, lh, d.labels, d.count, whole);
  check_labels(label_path, d.labels, 0);
  return d;
}

std::vector<std::string> cifar_files(const std::string& dir, Split split) {
  if (split == Split::Test) return {join(dir, "test_batch.bin")};
  std::vector<std::string> files;
  for (int i = 1; i <= 5; ++i) files.push_back(join(dir, "data_batch_" + std::to_string(i) + ".bin"));
  return files;
}

Dataset load_cifar(const std::string& dir, Split split, int64_t max_images) {
  const std::vector<std::string> files = cifar_files(dir, split);
  std::vector<int64_t> records;
  for (const auto& f : files) {
    if (!is_file(f)) throw FormatError(located(f, "", "missing (CIFAR-10 binary data set in " + dir + ")"));
    const int64_t size = int64_t(fs::file_size(f));
    if (size == 0 || size % kCifarRecordBytes != 0)
      throw FormatError(located(f, "size",
                                std::to_string(size) + " bytes is not a positive multiple of the " +
                                    std::to_string(kCifarRecordBytes) + "-byte record (1 label + 3072 pixels)"));
    records.push_back(size / kCifarRecordBytes);
  }
  int64_t total = 0;
  for (int64_t r : records) total += r;

  Dataset d;
  d.source = files.size() == 1 ? files[0] : join(dir, "data_batch_{1..5}.bin");
  d.num_classes = kNumClasses;
  d.image_shape = Shape{3, int(kCifarSide), int(kCifarSide)};
  d.count = max_images < 0 ? total : std::min(max_images, total);
  d.pixels.resize(size_t(d.count * kCifarImageBytes));
  d.labels.resize(size_t(d.count));

  int64_t next = 0;
  std::vector<uint8_t> buf;
  for (size_t fi = 0; fi < files.size() && next < d.count; ++fi) {
    const int64_t n = std::min(records[fi], d.count - next);
    buf.resize(size_t(n * kCifarRecordBytes));
    ByteSource src(files[fi]);
    const int64_t got = src.read(buf.data(), int64_t(buf.size()));
    if (got < int64_t(buf.size()))
      throw FormatError(located(files[fi], "data", "truncated: the file shrank while being read"));
    std::vector<uint8_t> labels(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
      const uint8_t* rec = buf.data() + r * kCifarRecordBytes;
      labels[size_t(r)] = rec[0];
      // The record's pixels are the R, G and B planes of 32 x 32, i.e. already C x H x W.
      std::memcpy(d.pixels.data() + (next + r) * kCifarImageBytes, rec + 1, size_t(kCifarImageBytes));
    }
    check_labels(files[fi], labels, 0);
    std::copy(labels.begin(), labels.end(), d.labels.begin() + next);
    next += n;
  }
  return d;
}

bool has_idx(const std::string& dir) {
  for (const char* p : {"train", "t10k"})
    for (const char* k : {"-images-idx3-ubyte", "-labels-idx1-ubyte"})
      for (const char* z : {"", ".gz"})
        if (is_file(join(dir, std::string(p) + k + z))) return true;
  return false;
}

bool has_cifar(const std::string& dir) {
  return is_file(join(dir, "data_batch_1.bin")) || is_file(join(dir, "test_batch.bin"));
}

}  // namespace

Dataset load_dataset(const std::string& dir, Split split, int64_t max_images) {
  if (is_numpy_dataset(dir)) return load_numpy_dataset(dir, split, max_images);  // .npz or .npy directory
  std::error_code ec;
  if (fs::path(dir).extension() == ".npy" && fs::exists(dir, ec))
    throw FormatError(located(dir, "",
                              "a single .npy array is not a data set: give the folder holding x.npy and y.npy "
                              "(or x_test.npy / y_test.npy), or an .npz archive"));
  if (!fs::exists(dir, ec)) throw Missing<FormatError>(located(dir, "", "data set directory does not exist"));
  if (!fs::is_directory(dir, ec))
    throw FormatError(located(dir, "", "not a data set: expected a directory or an .npz archive"));
  if (max_images < -1) throw ConfigError(located(dir, "max_images", "must be -1 (all) or >= 0"));
  if (has_idx(dir)) return load_idx(dir, split, max_images);
  if (has_cifar(dir)) return load_cifar(dir, split, max_images);
  const std::string sub = join(dir, "cifar-10-batches-bin");
  if (has_cifar(sub)) return load_cifar(sub, split, max_images);
  throw FormatError(located(dir, "",
                            "no data set found: expected IDX files (train-images-idx3-ubyte[.gz], "
                            "t10k-images-idx3-ubyte[.gz] and their -labels-idx1-ubyte), CIFAR-10 binary files "
                            "(data_batch_1..5.bin, test_batch.bin) or NumPy arrays (x.npy and y.npy, or "
                            "x_test.npy / y_test.npy)"));
}

namespace {
std::string shape_text(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}
}  // namespace

void check_fits(const Dataset& data, const Network& net) {
  if (data.image_shape == net.input_shape) return;
  const std::string net_file = net.source_file.empty() ? net.name : net.source_file;
  throw ConfigError(located(data.source, "image shape",
                            "images are " + shape_text(data.image_shape) + " (CxHxW) but network " + net_file +
                                " expects input " + shape_text(net.input_shape)));
}

}  // namespace lvsim
