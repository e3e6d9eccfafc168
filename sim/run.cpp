#include "sim/run.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "common/errors.h"
#include "sim/version.h"
#include "workloads/dataset.h"
#include "workloads/fast_inference.h"
#include "workloads/network_finalize.h"
#include "workloads/network_json.h"
#include "workloads/reference_inference.h"

namespace lvsim {

const char* run_mode_name(RunMode m) {
  switch (m) {
    case RunMode::Golden: return "golden";
    case RunMode::Fast: return "fast";
    case RunMode::Cycle: return "cycle";
  }
  return "?";
}

namespace {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(hc) : 1;
}

std::vector<LayerReport> describe_layers(const Network& net) {
  std::vector<LayerReport> out;
  for (const Layer& l : net.layers) {
    LayerReport r;
    r.name = l.name;
    r.type = layer_type_name(l.type);
    r.input_shape = l.in_shape;
    r.output_shape = l.out_shape;
    r.macs = l.macs();
    r.weights = int64_t(l.weight.stored.size());
    r.weight_bits = l.has_weights() ? l.weight.bits : 0;
    out.push_back(r);
  }
  return out;
}

nlohmann::json shape_json(const Shape& s) { return nlohmann::json::array({s.c, s.h, s.w}); }
std::string shape_text(const Shape& s) { return fmt::format("{}x{}x{}", s.c, s.h, s.w); }

}  // namespace

RunReport run(const RunOptions& opt) {
  const int threads = resolve_threads(opt.threads);
  Network net = load_network(opt.network_path);
  Dataset test = load_dataset(opt.data_dir, Split::Test, opt.images);
  check_fits(test, net);

  RunReport rep;
  if (needs_calibration(net)) {
    Dataset train = load_dataset(opt.data_dir, Split::Train, opt.calib_images);
    check_fits(train, net);
    calibrate(net, train, opt.calib_images, opt.calib_method, threads);
    finalize_network(net);
    rep.calibrated = true;
  }

  rep.network_name = net.name;
  rep.network_file = opt.network_path;
  rep.data_dir = opt.data_dir;
  rep.mode = opt.mode;
  rep.threads = threads;
  rep.images = test.count;
  rep.layers = describe_layers(net);
  rep.macs_per_image = net.total_macs();

  const LayerWeights weights = stored_weights(net);
  const auto t0 = std::chrono::steady_clock::now();
  switch (opt.mode) {
    case RunMode::Golden:
      rep.predictions = predict(net, test.pixels.data(), test.count, weights, threads);
      break;
    case RunMode::Fast: {
      FastInference engine(net, weights);
      rep.predictions = engine.predict(test.pixels.data(), test.count, threads);
      break;
    }
    case RunMode::Cycle:
      throw ConfigError(located("--mode", "", "cycle mode needs --arch"));
  }
  rep.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.images_per_second = rep.wall_time_s > 0 ? double(rep.images) / rep.wall_time_s : 0.0;

  for (int64_t i = 0; i < test.count; ++i) {
    rep.labels.push_back(test.labels[size_t(i)]);
    if (rep.predictions[size_t(i)] == test.labels[size_t(i)]) ++rep.correct;
  }
  rep.accuracy = rep.images ? double(rep.correct) / double(rep.images) : 0.0;
  return rep;
}

nlohmann::json RunReport::to_json() const {
  nlohmann::json j;
  j["lvsim_version"] = kVersion;
  j["network"] = network_name;
  j["network_file"] = network_file;
  j["data"] = data_dir;
  j["mode"] = run_mode_name(mode);
  j["threads"] = threads;
  j["images"] = images;
  j["correct"] = correct;
  j["accuracy"] = accuracy;
  j["calibrated"] = calibrated;
  j["wall_time_s"] = wall_time_s;
  j["images_per_second"] = images_per_second;
  j["macs_per_image"] = macs_per_image;
  nlohmann::json layers_json = nlohmann::json::array();
  for (const auto& l : layers) {
    nlohmann::json lj;
    lj["name"] = l.name;
    lj["type"] = l.type;
    lj["input_shape"] = shape_json(l.input_shape);
    lj["output_shape"] = shape_json(l.output_shape);
    lj["macs"] = l.macs;
    lj["weights"] = l.weights;
    lj["weight_bits"] = l.weight_bits;
    layers_json.push_back(lj);
  }
  j["layers"] = layers_json;
  j["predictions"] = predictions;
  j["labels"] = labels;
  return j;
}

std::string RunReport::to_text() const {
  std::string s;
  s += fmt::format("network     {} ({})\n", network_name, network_file);
  s += fmt::format("data        {} ({} test images)\n", data_dir, images);
  s += fmt::format("mode        {} ({} threads){}\n", run_mode_name(mode), threads,
                   calibrated ? ", activations calibrated" : "");
  s += fmt::format("accuracy    {:.4f} ({} / {})\n", accuracy, correct, images);
  s += fmt::format("speed       {:.0f} images/s ({:.3f} s)\n\n", images_per_second, wall_time_s);
  s += fmt::format("{:<12} {:<10} {:>12} {:>12} {:>12} {:>5}\n", "layer", "type", "input", "output", "MACs", "bits");
  for (const auto& l : layers)
    s += fmt::format("{:<12} {:<10} {:>12} {:>12} {:>12} {:>5}\n", l.name, l.type, shape_text(l.input_shape),
                     shape_text(l.output_shape), l.macs, l.weight_bits ? std::to_string(l.weight_bits) : "-");
  s += fmt::format("{:<12} {:<10} {:>12} {:>12} {:>12}\n", "total", "", "", "", macs_per_image);
  return s;
}

}  // namespace lvsim
