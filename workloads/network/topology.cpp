#include "workloads/network/topology.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.h"

namespace lvsim {

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string c;
  while (std::getline(ss, c, ',')) out.push_back(trim(c));
  while (!out.empty() && out.back().empty()) out.pop_back();  // SCALE-Sim rows end with a comma
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

int64_t size_cell(const std::string& text, const std::string& where) {
  const std::string range = "[1, " + std::to_string(kTopologyMaxDim) + "]";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw FormatError(where + ": expected a whole number in " + range + " written in digits, got \"" + text + "\"");
  const size_t digits = text.size() - std::min(text.find_first_not_of('0'), text.size());
  if (digits > 9 || std::stoll(text) < 1 || std::stoll(text) > kTopologyMaxDim)
    throw ConfigError(where + ": " + text + " is outside " + range);
  return std::stoll(text);
}

void check_layer(const TopologyLayer& l, const std::string& where) {
  if (l.filter_h > l.ifmap_h || l.filter_w > l.ifmap_w)
    throw ConfigError(where + ": filter " + std::to_string(l.filter_h) + "x" + std::to_string(l.filter_w) +
                      " is larger than the input " + std::to_string(l.ifmap_h) + "x" + std::to_string(l.ifmap_w));
}

// The work a file declares, summed row by row in 128 bits (each size is at most 2^20, so no product
// of a row overflows): refused at the first row that takes a sum past its limit.
class DeclaredWork {
 public:
  void add(const TopologyLayer& l, const std::string& where) {
    using Wide = __int128;
    const Wide weights = Wide(l.filter_h) * l.filter_w * l.channels * l.num_filters;
    add_to(weights_, weights, kTopologyMaxWeights, "weights", where);
    add_to(macs_, Wide(l.out_h()) * l.out_w() * weights, kTopologyMaxMacs, "MACs", where);
    add_to(inputs_, Wide(l.ifmap_h) * l.ifmap_w * l.channels, kTopologyMaxInputs, "input elements", where);
  }

 private:
  static void add_to(__int128& sum, __int128 v, int64_t limit, const char* what, const std::string& where) {
    sum += v;
    if (sum > limit)
      throw ConfigError(where + ": the file's layers so far declare more than " + std::to_string(limit) + " " + what +
                        " (the limit per topology file, docs/reliability.md)");
  }
  __int128 weights_ = 0, macs_ = 0, inputs_ = 0;
};

}  // namespace

Topology read_topology_csv(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw ConfigError(located(path, "", "not a readable file"));
  if (std::filesystem::file_size(path) > (64u << 20)) throw ConfigError(located(path, "", "larger than 64 MiB"));
  std::ifstream in(path);
  if (!in) throw ConfigError(located(path, "", "cannot open file"));
  Topology t;
  t.source_file = path;
  t.name = std::filesystem::path(path).stem().string();
  std::string line;
  int row = 0;
  bool header = false;
  size_t columns = 0;
  DeclaredWork work;
  while (std::getline(in, line)) {
    ++row;
    const std::vector<std::string> c = cells(line);
    if (c.empty()) continue;
    const std::string where = path + ": row " + std::to_string(row);
    if (!header) {
      header = true;
      const std::string first = c.size() > 1 ? lower(c[1]) : "";
      if (c.size() == 4 && first == "m" && lower(c[2]) == "n" && lower(c[3]) == "k") {
        t.gemm = true;
      } else if (c.size() != 8 || first != "ifmap height") {
        throw FormatError(where +
                          ": not a SCALE-Sim topology header (expected 'Layer name, IFMAP Height, IFMAP "
                          "Width, Filter Height, Filter Width, Channels, Num Filter, Strides' or 'Layer "
                          "Name, M, N, K')");
      }
      columns = c.size();
      continue;
    }
    if (c.size() != columns)
      throw FormatError(where + ": " + std::to_string(c.size()) + " columns, the header has " +
                        std::to_string(columns));
    TopologyLayer l;
    l.name = c[0];
    auto col = [&](size_t i, const char* name) { return size_cell(c[i], where + ": " + name); };
    if (t.gemm) {
      const int64_t m = col(1, "M"), n = col(2, "N"), k = col(3, "K");
      l.ifmap_h = m, l.ifmap_w = k, l.filter_h = 1, l.filter_w = k, l.channels = 1, l.num_filters = n, l.stride = 1;
    } else {
      l.ifmap_h = col(1, "IFMAP Height"), l.ifmap_w = col(2, "IFMAP Width");
      l.filter_h = col(3, "Filter Height"), l.filter_w = col(4, "Filter Width");
      l.channels = col(5, "Channels"), l.num_filters = col(6, "Num Filter"), l.stride = col(7, "Strides");
    }
    check_layer(l, where);
    work.add(l, where);
    if (int64_t(t.layers.size()) == kTopologyMaxLayers)
      throw ConfigError(where + ": more than " + std::to_string(kTopologyMaxLayers) +
                        " layers (the limit per topology file, docs/reliability.md)");
    t.layers.push_back(std::move(l));
  }
  if (t.layers.empty()) throw FormatError(located(path, "", "no layers (an empty topology)"));
  return t;
}

Network topology_layer_network(const TopologyLayer& l, const std::string& source_file) {
  Network net;
  net.name = l.name;
  net.source_file = source_file;
  net.input_shape = {int(l.channels), int(l.ifmap_h), int(l.ifmap_w)};
  Layer L;
  L.name = l.name;
  L.type = LayerType::Conv2d;
  L.inputs = {-1};
  L.in_shape = net.input_shape;
  L.out_shape = {int(l.num_filters), int(l.out_h()), int(l.out_w())};
  L.out_channels = int(l.num_filters);
  L.kernel_h = int(l.filter_h), L.kernel_w = int(l.filter_w);
  L.stride_h = L.stride_w = int(l.stride);
  L.weight.bits = 8;
  L.weight.out_channels = l.num_filters;
  L.weight.per_out = l.channels * l.filter_h * l.filter_w;
  L.weight.stored.assign(size_t(l.num_filters * L.weight.per_out), 0);
  L.weight.scale.assign(size_t(l.num_filters), 1.0);
  L.weight.zero_point.assign(size_t(l.num_filters), 0);
  L.bias.assign(size_t(l.num_filters), 0);
  L.requant.assign(size_t(l.num_filters), Requant{1 << 30, 31});
  net.layers.push_back(std::move(L));
  net.output = 0;
  return net;
}

}  // namespace lvsim
