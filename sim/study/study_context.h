// Everything a study computes once, before any point: the networks (loaded, calibrated), the test
// set and each network's clean predictions, the hardware, the energy of every swept value, and the
// study's fingerprint. Points then only differ in the faults of one chip at one value.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "energy/energy_model.h"
#include "energy/operating_point.h"
#include "energy/technology.h"
#include "memory/bitcell_failure_model.h"
#include "memory/fault_map.h"
#include "models/architecture.h"
#include "sim/study/study_spec.h"
#include "workloads/data/dataset.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network.h"

namespace lvsim {

/// One network of the study, ready to run.
struct StudyNetworkState {
  std::string name, file;
  Network net;              // calibrated and finalized
  ArchitectureParams arch;  // the study's architecture with this network's layers mapped (models/mapper.h)
  LayerWeights stored;      // the patterns as written to the SRAM
  std::vector<int> clean_predictions;
  int64_t correct_clean = 0;
  std::array<int64_t, 9> clean_zero_macs{};  // zero-operand MACs of the clean run, by weight bits
  // Per layer: conv/linear input codes equal to the input zero point in the clean run (summed over
  // the test images): the network's activation sparsity without faults.
  std::vector<int64_t> clean_zero_activation_codes;
  ActionCounts counts_per_image;  // closed form (docs/timing-model.md)
  int64_t cycles_per_image = 0;
  double zero_bit_fraction = 0;  // of the stored weight bits (for the expected bit error rate)
};

/// The energy of one network at one swept value (per inference), and what it saves.
struct StudyValueEnergy {
  OperatingPoint op;
  EnergyBreakdown breakdown;            // per inference
  double energy_pj = 0;                 // per inference, whole accelerator
  double energy_saved_total = 0;        // 1 - energy / (same at nominal V_sram), whole accelerator
  double energy_saved_weight_sram = 0;  // the same for the weight SRAM's access energy alone (the seed paper's
                                        // figure; `accountings.weight_sram_only` of lvsim run)
  double gating_saved_energy_per_inference_pj = 0;  // what zero-operand gating saved (EnergyModel)
};

class StudyContext {
 public:
  /// Loads and checks everything (ConfigError / FormatError on bad input, before any point runs);
  /// fills in network names the spec left empty and validates the spec against the technology.
  StudyContext(StudySpec spec, int threads);

  const StudySpec& spec() const { return spec_; }
  const Dataset& test() const { return test_; }
  const ArchitectureParams& arch() const { return arch_; }
  const TechnologyParams& tech() const { return tech_; }
  const FaultGeometry& geometry() const { return geometry_; }
  /// The technology's bit-cell failure model (voltage axis only).
  const std::optional<BitcellFailureParams>& failure_params() const { return failure_params_; }
  const std::vector<StudyNetworkState>& networks() const { return networks_; }
  /// Energy per inference of network n at value v when its images had `zero_macs` (summed over
  /// `images` images) zero-operand MACs: the closed-form counts plus the data's zeros, so a
  /// point's energy follows what its faulty weights did to the activations. Savings are against
  /// the clean network at nominal V_sram (same V_logic and clock).
  StudyValueEnergy energy(size_t network, size_t value, const std::array<int64_t, 9>& zero_macs, int64_t images) const;
  /// The operating point of value v.
  const OperatingPoint& operating_point(size_t value) const { return ops_[value]; }
  const OperatingPoint& nominal() const { return nominal_; }
  /// Expected raw bit error rate of network n's stored weight bits at value v (before ECC):
  /// cell failure probability x the chance a failing cell misreads the stored bit.
  double ber_expected(size_t network, size_t value) const;
  /// Expected fraction of failing cells at value v (the technology's p(V) for a cell of nominal
  /// strength, or the swept rate).
  double cell_failure_expected(size_t value) const;
  /// Hex digest of everything that decides the results (spec, file contents, test images).
  const std::string& fingerprint() const { return fingerprint_; }
  int threads() const { return threads_; }

 private:
  void load_network(const StudyNetwork& sn);
  void cost_values();
  void compute_fingerprint();

  StudySpec spec_;
  int threads_;
  Dataset test_;
  ArchitectureParams arch_;
  TechnologyParams tech_;
  std::unique_ptr<EnergyModel> energy_model_;
  FaultGeometry geometry_;
  std::optional<BitcellFailureParams> failure_params_;
  std::unique_ptr<BitcellFailureModel> failure_model_;
  OperatingPoint nominal_;
  std::vector<StudyNetworkState> networks_;
  std::vector<OperatingPoint> ops_;                       // per value
  std::vector<double> reference_pj_, reference_sram_pj_;  // per network: clean, nominal V_sram
  std::string fingerprint_;
};

}  // namespace lvsim
