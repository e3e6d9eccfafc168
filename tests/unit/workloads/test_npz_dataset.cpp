// NumPy test sets: .npy bytes written here by hand from the format's description (magic, version,
// header dict, C-order little-endian data), .npz archives written with libzip; every malformed case,
// and a fuzz of truncations and byte flips that must give a FormatError and nothing else.
#include <zip.h>

#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/errors.h"
#include "workloads/data/dataset.h"
#include "workloads/data/npz_dataset.h"

using namespace lvsim;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("lvsim_npz_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

/// A version-1 .npy file: header padded with spaces to a multiple of 64 bytes, ending in '\n'.
template <typename T>
std::string npy(const std::string& descr, const std::vector<int64_t>& shape, const std::vector<T>& v) {
  std::string dims;  // numpy's tuple: "(3,)" or "(3, 2)"
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(h.size() & 0xff);
  out += char(h.size() >> 8);
  out += h;
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  return out;
}

std::string write_npz(const std::string& name, const std::vector<std::pair<std::string, std::string>>& arrays) {
  const std::string path = (temp_dir() / name).string();
  fs::remove(path);
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  for (const auto& [n, bytes] : arrays) {
    zip_source_t* s = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    REQUIRE(zip_file_add(z, (n + ".npy").c_str(), s, ZIP_FL_OVERWRITE) >= 0);
  }
  REQUIRE(zip_close(z) == 0);
  return path;
}

std::vector<uint8_t> pixels(size_t n) {
  std::vector<uint8_t> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = uint8_t((i * 37 + 11) % 256);
  return p;
}

template <class E = FormatError>
void require_error(const std::string& path, Split split, const std::vector<std::string>& parts) {
  std::string msg;
  try {
    load_dataset(path, split, -1);
  } catch (const E& e) {
    msg = e.what();
  }
  INFO(msg);
  REQUIRE_FALSE(msg.empty());
  CHECK(msg.rfind(path, 0) == 0);
  for (const auto& p : parts) CHECK(msg.find(p) != std::string::npos);
}

}  // namespace

TEST_CASE("npz: N x C x H x W uint8 images and int64 labels, first images only", "[npz]") {
  const auto px = pixels(3 * 2 * 4 * 5);
  const std::vector<int64_t> y = {3, 0, 9};
  const auto path = write_npz("a.npz", {{"x", npy("|u1", {3, 2, 4, 5}, px)}, {"y", npy("<i8", {3}, y)}});
  const Dataset d = load_dataset(path, Split::Test, -1);
  CHECK(d.count == 3);
  CHECK(d.image_shape == Shape{2, 4, 5});
  CHECK(d.pixels == px);
  CHECK(d.labels == std::vector<uint8_t>{3, 0, 9});
  const Dataset two = load_dataset(path, Split::Train, 2);  // one set serves both splits
  CHECK(two.count == 2);
  CHECK(std::equal(two.pixels.begin(), two.pixels.end(), px.begin()));
}

TEST_CASE("npz: float pixels 0..255, N x H x W, split arrays, .npy directory", "[npz]") {
  std::vector<float> xf = {0, 1, 255, 17, 3, 4, 5, 6};
  const auto path = write_npz("b.npz", {{"x_test", npy("<f4", {2, 2, 2}, xf)},
                                        {"y_test", npy("|u1", {2}, std::vector<uint8_t>{1, 2})},
                                        {"x_train", npy("|u1", {1, 2, 2}, std::vector<uint8_t>{9, 9, 9, 9})},
                                        {"y_train", npy("<i4", {1}, std::vector<int32_t>{7})}});
  const Dataset test = load_dataset(path, Split::Test, -1);
  CHECK(test.image_shape == Shape{1, 2, 2});
  CHECK(test.pixels == std::vector<uint8_t>{0, 1, 255, 17, 3, 4, 5, 6});
  const Dataset train = load_dataset(path, Split::Train, -1);
  CHECK(train.labels == std::vector<uint8_t>{7});
  CHECK(train.pixels == std::vector<uint8_t>{9, 9, 9, 9});

  const auto dir = temp_dir() / "npydir";
  fs::create_directories(dir);
  std::ofstream(dir / "x.npy", std::ios::binary) << npy("|u1", {1, 1, 1, 2}, std::vector<uint8_t>{5, 6});
  std::ofstream(dir / "y.npy", std::ios::binary) << npy("<i2", {1}, std::vector<int16_t>{4});
  const Dataset fromdir = load_dataset(dir.string(), Split::Test, -1);
  CHECK(fromdir.pixels == std::vector<uint8_t>{5, 6});
  CHECK(fromdir.labels == std::vector<uint8_t>{4});
}

TEST_CASE("npz: malformed sets name the file and the array", "[npz]") {
  const auto x = npy("|u1", {2, 1, 2, 2}, pixels(8));
  const auto y = npy("|u1", {2}, std::vector<uint8_t>{0, 1});
  require_error(write_npz("no_y.npz", {{"x", x}}), Split::Test, {"y", "missing"});
  require_error(write_npz("no_x.npz", {{"y", y}}), Split::Test, {"no array x_test or x"});
  require_error(write_npz("count.npz", {{"x", x}, {"y", npy("|u1", {3}, std::vector<uint8_t>{0, 1, 2})}}), Split::Test,
                {": y", "3 labels for 2 images"});
  require_error(write_npz("rank.npz", {{"x", npy("|u1", {8}, pixels(8))}, {"y", y}}), Split::Test,
                {": x", "dimensions"});
  require_error(write_npz("float_px.npz", {{"x", npy("<f4", {1, 1, 1, 1}, std::vector<float>{0.5f})},
                                           {"y", npy("|u1", {1}, std::vector<uint8_t>{0})}}),
                Split::Test, {"element 0", "0..255"});
  require_error(write_npz("neg_label.npz", {{"x", x}, {"y", npy("<i4", {2}, std::vector<int32_t>{0, -1})}}),
                Split::Test, {"label 1 = -1"});
  require_error(write_npz("dtype.npz", {{"x", npy(">u2", {2, 1, 2, 2}, std::vector<uint16_t>(8))}, {"y", y}}),
                Split::Test, {"dtype '>u2'"});
  std::string cut = x.substr(0, x.size() - 1);
  require_error(write_npz("trunc.npz", {{"x", cut}, {"y", y}}), Split::Test, {"truncated"});
  require_error(write_npz("extra.npz", {{"x", x + "z"}, {"y", y}}), Split::Test, {"bytes after"});
  const auto notzip = (temp_dir() / "notzip.npz").string();
  std::ofstream(notzip) << "hello";
  require_error(notzip, Split::Test, {"not a readable .npz"});
}

TEST_CASE("npz: truncated and corrupted .npy bytes only ever give a FormatError", "[npz]") {
  const auto good = npy("|u1", {2, 1, 3, 3}, pixels(18));
  std::mt19937 rng(7);
  for (size_t len = 0; len < good.size(); ++len) {
    try {
      parse_npy(good.substr(0, len), "cut.npy");
      FAIL("accepted a truncated array of " << len << " bytes");
    } catch (const FormatError&) {
    }
  }
  for (int trial = 0; trial < 2000; ++trial) {
    std::string b = good;
    b[rng() % 80] = char(rng());  // the header region
    try {
      parse_npy(b, "flip.npy");
    } catch (const FormatError&) {
    }
  }
}
