#include "sim/layer_dump.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>

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

/// Writes one tensor (codes of `count` images, each `shape`) as .codes.npy and .values.npy.
nlohmann::json write_tensor(const std::filesystem::path& dir, const std::string& name, const Shape& shape,
                            const ActivationQuant& q, const std::vector<uint8_t>& codes, int64_t count) {
  const std::vector<int64_t> dims = {count, shape.c, shape.h, shape.w};
  std::vector<float> values(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) values[i] = float(q.scale * (int32_t(codes[i]) - q.zero_point));
  write_file_atomically((dir / (name + ".codes.npy")).string(), npy_bytes("|u1", dims, codes.data(), codes.size()));
  write_file_atomically((dir / (name + ".values.npy")).string(),
                        npy_bytes("<f4", dims, values.data(), values.size() * sizeof(float)));
  return {{"codes", name + ".codes.npy"},
          {"values", name + ".values.npy"},
          {"shape", {shape.c, shape.h, shape.w}},
          {"scale", q.scale},
          {"zero_point", q.zero_point}};
}

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
                 const std::vector<LayerWeights>& weights_of_image) {
  const std::filesystem::path d(dir);
  std::error_code ec;
  std::filesystem::create_directories(d, ec);
  if (ec || !std::filesystem::is_directory(d))
    throw ConfigError(located("--dump-layers", "", "cannot create directory " + dir));
  std::vector<std::vector<uint8_t>> codes(net.layers.size());
  std::vector<uint8_t> input;
  for (int64_t i = 0; i < test.count; ++i) {
    const std::vector<uint8_t> in = preprocess_image(net, test.image(i));
    input.insert(input.end(), in.begin(), in.end());
    const auto outs = run_all_layers(net, test.image(i), weights_of_image[size_t(i)]);
    for (size_t l = 0; l < outs.size(); ++l) codes[l].insert(codes[l].end(), outs[l].begin(), outs[l].end());
  }
  nlohmann::json index = {{"format", "lvsim-layer-dump"},
                          {"version", 1},
                          {"network", net.name},
                          {"images", test.count},
                          {"output_layer", net.layers[size_t(net.output)].name}};
  index["input"] = write_tensor(d, "input", net.input_shape, net.input_quant, input, test.count);
  index["layers"] = nlohmann::json::array();
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    nlohmann::json e = write_tensor(d, stem(l, L.name), L.out_shape, L.out_quant, codes[l], test.count);
    e["name"] = L.name;
    e["type"] = layer_type_name(L.type);
    index["layers"].push_back(e);
  }
  write_file_atomically((d / "layers.json").string(), index.dump(1) + "\n");
}

}  // namespace lvsim
