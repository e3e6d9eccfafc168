#include "sim/report/layer_dump.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/errors.h"
#include "common/output_file.h"

namespace lvsim {

namespace {

int64_t dump_bytes_per_image(const Network& net) {
  int64_t b = net.input_shape.size() * 5;  // codes (1 byte) + values (4 bytes)
  for (const Layer& L : net.layers) b += L.out_shape.size() * 5;
  return b;
}

/// A layer's file stem: its index (files sort in network order) and its name made file-safe.
std::string stem(size_t index, const std::string& name) {
  std::string s = "L" + std::to_string(index) + "_";
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return s;
}

/// One dumped tensor (codes of `count` images, each `shape`): .codes.npy and .values.npy, written
/// image batch by image batch into temporary files beside their targets, renamed by commit().
class TensorDump {
 public:
  TensorDump(const std::filesystem::path& dir, std::string name, const Shape& shape, const ActivationQuant& q,
             int64_t count)
      : dir_(dir), name_(std::move(name)), shape_(shape), q_(q), count_(count) {}
  ~TensorDump() {
    for (const std::string& f : {name_ + ".codes.npy", name_ + ".values.npy"}) std::remove(tmp(f).c_str());
  }
  TensorDump(const TensorDump&) = delete;
  TensorDump& operator=(const TensorDump&) = delete;

  /// Appends the codes of the next images (whole images, in order).
  void append(const std::vector<uint8_t>& codes) {
    std::vector<float> values(codes.size());
    for (size_t i = 0; i < codes.size(); ++i) values[i] = float(q_.scale * (int32_t(codes[i]) - q_.zero_point));
    const std::vector<int64_t> dims = {count_, shape_.c, shape_.h, shape_.w};
    const bool first = !started_;
    started_ = true;
    write(name_ + ".codes.npy", first ? npy_bytes("|u1", dims, "", 0) : "", codes.data(), codes.size());
    write(name_ + ".values.npy", first ? npy_bytes("<f4", dims, "", 0) : "", values.data(),
          values.size() * sizeof(float));
  }

  /// Renames both files into place (the caller has appended every image).
  void commit() {
    for (const std::string& f : {name_ + ".codes.npy", name_ + ".values.npy"}) {
      const std::string target = (dir_ / f).string();
      check_output_location(target, "--dump-layers");
      const int fd = ::open(tmp(f).c_str(), O_RDONLY);  // data on disk before the rename
      if (fd < 0 || ::fsync(fd) != 0) {
        if (fd >= 0) ::close(fd);
        throw ConfigError(located(target, "", "cannot write file"));
      }
      ::close(fd);
      if (std::rename(tmp(f).c_str(), target.c_str()) != 0)
        throw ConfigError(located(target, "", "cannot replace file"));
    }
  }

  nlohmann::json index() const {
    return {{"codes", name_ + ".codes.npy"},
            {"values", name_ + ".values.npy"},
            {"shape", {shape_.c, shape_.h, shape_.w}},
            {"scale", q_.scale},
            {"zero_point", q_.zero_point}};
  }

 private:
  std::string tmp(const std::string& f) const {
    return (dir_ / ("." + f + ".tmp." + std::to_string(::getpid()))).string();
  }
  void write(const std::string& f, const std::string& header, const void* data, size_t bytes) {
    std::ofstream out(tmp(f), std::ios::binary | (header.empty() ? std::ios::app : std::ios::trunc));
    out.write(header.data(), std::streamsize(header.size()));
    out.write(static_cast<const char*>(data), std::streamsize(bytes));
    if (!out.flush()) throw ConfigError(located((dir_ / f).string(), "", "cannot write file"));
  }

  std::filesystem::path dir_;
  std::string name_;
  Shape shape_;
  ActivationQuant q_;
  int64_t count_;
  bool started_ = false;
};

/// Bytes of codes held in memory before they are appended to the files.
constexpr size_t kDumpBatchBytes = size_t(16) << 20;

}  // namespace

std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t bytes) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 1);  // (a, b) ; a 1-tuple keeps "(a,)"
  if (!dims.empty() && dims.back() == ' ') dims.pop_back();
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64
  // and ended by a newline, as the format requires.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(data), bytes);
  return out;
}

void check_layer_dump(const std::string& dir, const Network& net, int64_t images) {
  const int64_t bytes = dump_bytes_per_image(net) * images;
  if (bytes > kMaxLayerDumpBytes)
    throw ConfigError(located("--dump-layers", "",
                              "the dump of " + std::to_string(images) + " images would take " +
                                  std::to_string(bytes >> 20) + " MiB (limit 4096): give fewer --images"));
  // Nothing is created yet (a run that fails later leaves no empty folder): the deepest existing
  // folder on the way must be a writable directory; dump_layers creates the rest.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path existing = fs::absolute(dir, ec);
  while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
  if (existing.empty() || !fs::is_directory(existing, ec))
    throw ConfigError(located("--dump-layers", "", "cannot create directory " + dir));
  const std::string probe = (existing / ".lvsim-write-probe").string();
  try {
    write_file_atomically(probe, "probe\n");
  } catch (const UserError&) {
    throw ConfigError(located("--dump-layers", "", "cannot create directory " + dir + " (not writable)"));
  }
  fs::remove(probe, ec);
}

void dump_layers(const std::string& dir, const Network& net, const Dataset& test,
                 const ImageWeights& weights_of_image) {
  const std::filesystem::path d(dir);
  std::error_code ec;
  std::filesystem::create_directories(d, ec);
  if (ec || !std::filesystem::is_directory(d))
    throw ConfigError(located("--dump-layers", "", "cannot create directory " + dir));
  // Tensor 0 is the input, tensor l + 1 layer l; their codes wait in memory up to kDumpBatchBytes.
  std::vector<std::unique_ptr<TensorDump>> tensors;
  tensors.push_back(std::make_unique<TensorDump>(d, "input", net.input_shape, net.input_quant, test.count));
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    tensors.push_back(std::make_unique<TensorDump>(d, stem(l, L.name), L.out_shape, L.out_quant, test.count));
  }
  std::vector<std::vector<uint8_t>> pending(tensors.size());
  size_t pending_bytes = 0;
  auto flush = [&] {
    for (size_t t = 0; t < tensors.size(); ++t) {
      tensors[t]->append(pending[t]);
      pending[t].clear();
    }
    pending_bytes = 0;
  };
  for (int64_t i = 0; i < test.count; ++i) {
    const std::vector<uint8_t> in = preprocess_image(net, test.image(i));
    pending[0].insert(pending[0].end(), in.begin(), in.end());
    pending_bytes += in.size();
    const auto outs = run_all_layers(net, test.image(i), weights_of_image(i));
    for (size_t l = 0; l < outs.size(); ++l) {
      pending[l + 1].insert(pending[l + 1].end(), outs[l].begin(), outs[l].end());
      pending_bytes += outs[l].size();
    }
    if (pending_bytes >= kDumpBatchBytes || i + 1 == test.count) flush();
  }
  nlohmann::json index = {{"format", "lvsim-layer-dump"},
                          {"version", 1},
                          {"network", net.name},
                          {"images", test.count},
                          {"output_layer", net.layers[size_t(net.output)].name}};
  index["input"] = tensors[0]->index();
  index["layers"] = nlohmann::json::array();
  for (size_t l = 0; l < net.layers.size(); ++l) {
    nlohmann::json e = tensors[l + 1]->index();
    e["name"] = net.layers[l].name;
    e["type"] = layer_type_name(net.layers[l].type);
    index["layers"].push_back(e);
  }
  for (const auto& t : tensors) t->commit();
  write_file_atomically((d / "layers.json").string(), index.dump(1) + "\n");
}

}  // namespace lvsim
