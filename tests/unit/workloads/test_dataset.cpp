// Data set loading: IDX (raw, gzip) and CIFAR-10 binary files written here with known contents,
// every malformed case, and the real Fashion-MNIST files.
#include <zlib.h>

#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/errors.h"
#include "workloads/data/dataset.h"

using namespace lvsim;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;

// A fresh empty directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path =
        fs::temp_directory_path() / ("lvsim_dataset_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str() const { return path.string(); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_raw(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

void write_gz(const std::string& path, const Bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, b.data(), unsigned(b.size())) == int(b.size()));
  gzclose(f);
}

void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}

// IDX file: magic 00 00 08 <ndims>, big-endian sizes, then the data.
Bytes idx(int ndims, const std::vector<uint32_t>& dims, const Bytes& data, uint8_t type = 0x08) {
  Bytes b = {0, 0, type, uint8_t(ndims)};
  for (uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// n images of 4 rows x 3 columns with pixel (i, y, x) = 50 i + 3 y + x + 1.
constexpr int kH = 4, kW = 3;
uint8_t pixel_value(int i, int y, int x) {
  return uint8_t(50 * i + 3 * y + x + 1);
}
Bytes image_data(int n) {
  Bytes b;
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) b.push_back(pixel_value(i, y, x));
  return b;
}
const Bytes kLabels = {3, 0, 9};

Bytes images_file(int n) {
  return idx(3, {uint32_t(n), kH, kW}, image_data(n));
}
Bytes labels_file(const Bytes& labels) {
  return idx(1, {uint32_t(labels.size())}, labels);
}

template <class E, class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no error thrown>";
}

void check_small_idx(const Dataset& d, int64_t n) {
  REQUIRE(d.count == n);
  CHECK(d.image_shape == Shape{1, kH, kW});
  CHECK(d.num_classes == 10);
  REQUIRE(d.pixels.size() == size_t(n * kH * kW));
  REQUIRE(d.labels.size() == size_t(n));
  for (int i = 0; i < n; ++i) {
    CHECK(int(d.labels[size_t(i)]) == int(kLabels[size_t(i)]));
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) CHECK(int(d.image(i)[y * kW + x]) == int(pixel_value(i, y, x)));
  }
}

// CIFAR record r of a file: label, then R, G, B planes; pixel (c, y, x) = (r * 7 + c * 60 + y + x) mod 256.
uint8_t cifar_pixel(int tag, int c, int y, int x) {
  return uint8_t((tag * 7 + c * 60 + y + x) & 0xFF);
}
Bytes cifar_records(const std::vector<int>& tags, const Bytes& labels) {
  Bytes b;
  for (size_t r = 0; r < tags.size(); ++r) {
    b.push_back(labels[r]);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) b.push_back(cifar_pixel(tags[r], c, y, x));
  }
  return b;
}

// data_batch_k holds k records, tagged 10k + j; test_batch holds 3 records tagged 0, 1, 2.
void write_cifar(const TempDir& dir) {
  for (int k = 1; k <= 5; ++k) {
    std::vector<int> tags;
    Bytes labels;
    for (int j = 0; j < k; ++j) {
      tags.push_back(10 * k + j);
      labels.push_back(uint8_t((k + j) % 10));
    }
    write_raw(dir.file("data_batch_" + std::to_string(k) + ".bin"), cifar_records(tags, labels));
  }
  write_raw(dir.file("test_batch.bin"), cifar_records({0, 1, 2}, {7, 2, 9}));
}

}  // namespace

TEST_CASE("IDX raw files read back", "[dataset]") {
  TempDir dir;
  write_raw(dir.file("t10k-images-idx3-ubyte"), images_file(3));
  write_raw(dir.file("t10k-labels-idx1-ubyte"), labels_file(kLabels));
  Dataset d = load_dataset(dir.str(), Split::Test, -1);
  check_small_idx(d, 3);
  CHECK(d.source == dir.file("t10k-images-idx3-ubyte"));
  check_small_idx(load_dataset(dir.str(), Split::Test, 2), 2);
  check_small_idx(load_dataset(dir.str(), Split::Test, 100), 3);
  CHECK(load_dataset(dir.str(), Split::Test, 0).count == 0);
}

TEST_CASE("IDX gzip files read back, both splits", "[dataset]") {
  TempDir dir;
  write_gz(dir.file("train-images-idx3-ubyte.gz"), images_file(3));
  write_gz(dir.file("train-labels-idx1-ubyte.gz"), labels_file(kLabels));
  write_gz(dir.file("t10k-images-idx3-ubyte.gz"), images_file(2));
  write_raw(dir.file("t10k-labels-idx1-ubyte"), labels_file({3, 0}));  // raw and gz may mix
  check_small_idx(load_dataset(dir.str(), Split::Train, -1), 3);
  check_small_idx(load_dataset(dir.str(), Split::Train, 1), 1);
  check_small_idx(load_dataset(dir.str(), Split::Test, -1), 2);
}

TEST_CASE("CIFAR-10 binary files read back across batch files", "[dataset]") {
  TempDir dir;
  write_cifar(dir);
  Dataset test = load_dataset(dir.str(), Split::Test, -1);
  REQUIRE(test.count == 3);
  CHECK(test.image_shape == Shape{3, 32, 32});
  CHECK(test.labels == Bytes{7, 2, 9});
  for (int i = 0; i < 3; ++i)
    for (int c = 0; c < 3; ++c)
      for (int y : {0, 5, 31})
        for (int x : {0, 17, 31}) CHECK(int(test.image(i)[(c * 32 + y) * 32 + x]) == int(cifar_pixel(i, c, y, x)));

  // Train: batches 1..5 hold 1..5 records, in file order.
  Dataset train = load_dataset(dir.str(), Split::Train, -1);
  REQUIRE(train.count == 15);
  int64_t i = 0;
  for (int k = 1; k <= 5; ++k)
    for (int j = 0; j < k; ++j, ++i) {
      CHECK(int(train.labels[size_t(i)]) == (k + j) % 10);
      CHECK(int(train.image(i)[2 * 1024 + 3 * 32 + 4]) == int(cifar_pixel(10 * k + j, 2, 3, 4)));
    }
  Dataset part = load_dataset(dir.str(), Split::Train, 4);  // batch 1 whole, batch 2 whole, 1 of batch 3
  REQUIRE(part.count == 4);
  CHECK(int(part.image(3)[0]) == int(cifar_pixel(30, 0, 0, 0)));
  CHECK(int(part.labels[3]) == 3);
}

TEST_CASE("CIFAR-10 files in a cifar-10-batches-bin subdirectory", "[dataset]") {
  TempDir top;
  fs::create_directories(top.path / "cifar-10-batches-bin");
  write_raw(top.file("cifar-10-batches-bin/test_batch.bin"), cifar_records({4}, {5}));
  Dataset d = load_dataset(top.str(), Split::Test, -1);
  CHECK(d.count == 1);
  CHECK(int(d.labels[0]) == 5);
}

TEST_CASE("malformed IDX files give FormatError naming the file", "[dataset]") {
  TempDir dir;
  const std::string img = dir.file("t10k-images-idx3-ubyte"), lab = dir.file("t10k-labels-idx1-ubyte");
  auto load = [&] { load_dataset(dir.str(), Split::Test, -1); };

  SECTION("missing labels file") {
    write_raw(img, images_file(3));
    write_raw(dir.file("train-labels-idx1-ubyte"), labels_file(kLabels));
    std::string m = error_of<FormatError>(load);
    CHECK_THAT(m, Catch::Contains("t10k-labels-idx1-ubyte") && Catch::Contains("missing"));
  }
  SECTION("missing images file") {
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains("t10k-images-idx3-ubyte") && Catch::Contains("missing"));
  }
  SECTION("bad magic number") {
    Bytes b = images_file(3);
    b[2] = 0x09;  // signed-byte type: not the unsigned bytes data sets use
    write_raw(img, b);
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("bad magic number 0x00000903"));
  }
  SECTION("wrong dimension count") {
    write_raw(img, idx(2, {3, kH * kW}, image_data(3)));
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("has 2 dimensions, expected 3"));
  }
  SECTION("labels file with image dimensions") {
    write_raw(img, images_file(3));
    write_raw(lab, images_file(3));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(lab) && Catch::Contains("has 3 dimensions, expected 1"));
  }
  SECTION("truncated raw image data") {
    Bytes b = images_file(3);
    b.resize(b.size() - 5);
    write_raw(img, b);
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("truncated"));
    // The first image alone is intact but the file is still rejected (checked by size, not read).
    CHECK_THAT(error_of<FormatError>([&] { load_dataset(dir.str(), Split::Test, 1); }), Catch::Contains("truncated"));
  }
  SECTION("truncated raw header") {
    write_raw(img, Bytes{0, 0, 8, 3, 0, 0});
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("truncated"));
  }
  SECTION("raw file longer than its header says") {
    Bytes b = images_file(3);
    b.push_back(0);
    write_raw(img, b);
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("1 bytes after the data"));
  }
  SECTION("gzip: data shorter than the header promises") {
    Bytes b = images_file(3);
    b.resize(b.size() - kW);
    write_gz(img + ".gz", b);
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img + ".gz") && Catch::Contains("truncated"));
  }
  SECTION("gzip: compressed file cut short") {
    write_gz(img + ".gz", images_file(3));
    auto size = fs::file_size(img + ".gz");
    fs::resize_file(img + ".gz", size - 12);  // drops the trailer and part of the deflate stream
    write_raw(lab, labels_file(kLabels));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img + ".gz"));
  }
  SECTION("image and label counts differ") {
    write_raw(img, images_file(3));
    write_raw(lab, labels_file({3, 0}));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(lab) && Catch::Contains("holds 2 labels") &&
                                                Catch::Contains(img) && Catch::Contains("3 images"));
  }
  SECTION("label out of range") {
    write_raw(img, images_file(3));
    write_raw(lab, labels_file({3, 10, 9}));
    CHECK_THAT(error_of<FormatError>(load),
               Catch::Contains(lab) && Catch::Contains("label 1") && Catch::Contains("is 10"));
    // Only the first image requested: its label is fine.
    CHECK(load_dataset(dir.str(), Split::Test, 1).count == 1);
  }
  SECTION("image dimensions whose product overflows 64 bits") {
    // 2^32-1 x 2^32-1 bytes per image wraps around to 1 - 2^33 in int64 arithmetic: refused by size.
    Bytes b{0, 0, 8, 3, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    write_raw(img, b);
    write_raw(lab, labels_file({3}));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("exceed the limit"));
  }
  SECTION("empty file header") {
    write_raw(img, idx(3, {0, kH, kW}, {}));
    write_raw(lab, labels_file({}));
    CHECK_THAT(error_of<FormatError>(load), Catch::Contains(img) && Catch::Contains("no images"));
  }
}

TEST_CASE("malformed CIFAR-10 files give FormatError naming the file", "[dataset]") {
  TempDir dir;
  write_cifar(dir);
  SECTION("size not a multiple of 3073") {
    Bytes b = cifar_records({0, 1}, {1, 2});
    b.pop_back();
    write_raw(dir.file("test_batch.bin"), b);
    CHECK_THAT(error_of<FormatError>([&] { load_dataset(dir.str(), Split::Test, -1); }),
               Catch::Contains(dir.file("test_batch.bin")) && Catch::Contains("6145 bytes") && Catch::Contains("3073"));
  }
  SECTION("missing batch") {
    fs::remove(dir.file("data_batch_3.bin"));
    CHECK_THAT(error_of<FormatError>([&] { load_dataset(dir.str(), Split::Train, -1); }),
               Catch::Contains(dir.file("data_batch_3.bin")) && Catch::Contains("missing"));
  }
  SECTION("label out of range") {
    write_raw(dir.file("data_batch_2.bin"), cifar_records({0, 1}, {4, 11}));
    CHECK_THAT(error_of<FormatError>([&] { load_dataset(dir.str(), Split::Train, -1); }),
               Catch::Contains(dir.file("data_batch_2.bin")) && Catch::Contains("label 1") && Catch::Contains("is 11"));
  }
}

TEST_CASE("a directory without a data set is rejected", "[dataset]") {
  TempDir dir;
  CHECK_THAT(error_of<FormatError>([&] { load_dataset(dir.str(), Split::Test, -1); }),
             Catch::Contains(dir.str()) && Catch::Contains("no data set found"));
  CHECK_THAT(error_of<FormatError>([&] { load_dataset(dir.file("nope"), Split::Test, -1); }),
             Catch::Contains("does not exist"));
}

TEST_CASE("check_fits compares image and network input shapes", "[dataset]") {
  Dataset d;
  d.source = "/data/t10k-images-idx3-ubyte.gz";
  d.image_shape = Shape{1, 28, 28};
  Network net;
  net.source_file = "cifar.json";
  net.input_shape = Shape{3, 32, 32};
  CHECK_THAT(error_of<ConfigError>([&] { check_fits(d, net); }),
             Catch::Contains("1x28x28") && Catch::Contains("3x32x32") && Catch::Contains(d.source) &&
                 Catch::Contains("cifar.json"));
  net.input_shape = Shape{1, 28, 28};
  CHECK_NOTHROW(check_fits(d, net));
}

// Facts below were read from the files independently with Python's gzip module.
TEST_CASE("real Fashion-MNIST test and train sets", "[dataset][fashion-mnist]") {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir + "/t10k-images-idx3-ubyte.gz")) {
    FAIL("Fashion-MNIST not installed at " << dir
                                           << " (Debian dataset-fashion-mnist): a test never passes by skipping");
  }
  Dataset test = load_dataset(dir, Split::Test, -1);
  REQUIRE(test.count == 10000);
  CHECK(test.image_shape == Shape{1, 28, 28});
  CHECK(test.labels.size() == 10000);
  CHECK(int(test.labels[0]) == 9);  // Ankle boot
  std::vector<int> per_class(10, 0);
  for (uint8_t l : test.labels) {
    REQUIRE(l < 10);
    ++per_class[l];
  }
  CHECK(per_class == std::vector<int>(10, 1000));
  auto sum = [](const Dataset& d, int64_t i) {
    int64_t s = 0;
    for (int64_t k = 0; k < d.image_shape.size(); ++k) s += d.image(i)[k];
    return s;
  };
  CHECK(sum(test, 0) == 33456);
  CHECK(sum(test, 9999) == 24390);

  Dataset train = load_dataset(dir, Split::Train, -1);
  REQUIRE(train.count == 60000);
  CHECK(int(train.labels[0]) == 9);
  CHECK(sum(train, 0) == 76247);
  CHECK(sum(train, 59999) == 16684);

  Dataset first = load_dataset(dir, Split::Train, 100);
  CHECK(first.count == 100);
  CHECK(sum(first, 0) == 76247);
}
