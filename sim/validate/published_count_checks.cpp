// The shipped topologies (workloads/topologies/) against their papers' multiply-add and parameter
// counts (docs/validation.md "Published sizes"): lvsim's counts are TopologyLayer::macs() and
// weights() summed over a file's rows, with the stated conventions where a file differs from the
// network as published.
#include <fmt/format.h>

#include <cmath>
#include <functional>

#include "sim/validate/validation_check.h"
#include "workloads/network/topology.h"

namespace lvsim {
namespace {

struct Sums {
  double macs = 0, weights = 0;
};

// `scale(layer)`: the share of a row the published network has (1, or 1/2 for a layer the file
// writes without its groups of 2).
Sums sums(const ValidationPaths& p, const std::string& file, const std::function<double(const TopologyLayer&)>& scale) {
  Sums s;
  for (const TopologyLayer& L : read_topology_csv(p.source_dir + "/workloads/topologies/" + file).layers) {
    s.macs += scale(L) * double(L.macs());
    s.weights += scale(L) * double(L.weights());
  }
  return s;
}

ValidationCheck relative(const std::string& what, double expected, double simulated, double tol) {
  const double e = simulated / expected - 1;
  return {"published-sizes", what, expected, simulated, e, "rel", fmt::format("|e| <= {:g}", tol), std::abs(e) <= tol};
}

}  // namespace

std::vector<ValidationCheck> published_count_checks(const ValidationPaths& p) {
  std::vector<ValidationCheck> out;
  auto whole = [](const TopologyLayer&) { return 1.0; };
  // ResNet-18: He et al. 2016 Table 1, 1.8e9 multiply-adds; 11.7 M parameters (torchvision's
  // resnet18, 11,689,512, of which batch-norm and biases under 0.1 %).
  const Sums resnet = sums(p, "resnet18.csv", whole);
  out.push_back(relative("ResNet-18 MACs", 1.8e9, resnet.macs, 0.01));
  out.push_back(relative("ResNet-18 parameters", 11.7e6, resnet.weights, 0.005));
  // MobileNet-v1: Howard et al. 2017 Table 1 text, 569 M multiply-adds, 4.2 M parameters.
  const Sums mobilenet = sums(p, "mobilenet-v1.csv", whole);
  out.push_back(relative("MobileNet-v1 MACs", 569e6, mobilenet.macs, 0.005));
  out.push_back(relative("MobileNet-v1 parameters", 4.2e6, mobilenet.weights, 0.01));
  // AlexNet: Sze et al. 2017 (Proc. IEEE 105(12), Table 3): 724 M MACs, 61 M weights (Krizhevsky
  // et al. 2012's network, conv2/4/5 in two groups). The file ignores groups as SCALE-Sim does:
  // those rows count half for the published network.
  const Sums alexnet = sums(p, "alexnet.csv", [](const TopologyLayer& L) {
    return L.name == "Conv2" || L.name == "Conv4" || L.name == "Conv5" ? 0.5 : 1.0;
  });
  out.push_back(relative("AlexNet MACs (conv2/4/5 grouped)", 724e6, alexnet.macs, 0.005));
  out.push_back(relative("AlexNet weights (conv2/4/5 grouped)", 61e6, alexnet.weights, 0.005));
  // BERT-base: Devlin et al. 2019, 110 M parameters = 12 encoder layers (the file's projection and
  // feed-forward GEMMs; its per-head score/context GEMMs multiply activations, not weights) +
  // token, position and segment embeddings (30,522 + 512 + 2) x 768 + the 768 x 768 pooler.
  // Biases and layer norms (0.1 M) are not in the file: tolerance 1 %.
  const Sums bert = sums(p, "bert-base-encoder.csv", [](const TopologyLayer& L) {
    return L.name == "scores_head" || L.name == "context_head" ? 0.0 : 12.0;
  });
  out.push_back(relative("BERT-base parameters (12 layers + embeddings)", 110e6,
                         bert.weights + 31036.0 * 768 + 768.0 * 768, 0.01));
  return out;
}

}  // namespace lvsim
