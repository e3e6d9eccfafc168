#include "memory/fault_source.h"

namespace lvsim {

FaultSource::FaultSource(Kind kind) : kind_(kind) {}
FaultSource::FaultSource(FaultSource&&) noexcept = default;
FaultSource& FaultSource::operator=(FaultSource&&) noexcept = default;
FaultSource::~FaultSource() = default;

FaultSource FaultSource::chip(const BitcellFailureParams& params, const FaultGeometry& geometry, uint64_t seed) {
  FaultSource s(Kind::Chip);
  s.chip_ = std::make_unique<ChipFaultModel>(params, geometry, seed);
  s.chip_params_ = params;
  return s;
}

FaultSource FaultSource::rate(const RateFaultParams& params, const FaultGeometry& geometry, uint64_t seed,
                              const std::string& origin) {
  params.validate(origin);
  FaultSource s(Kind::Rate);
  s.rate_ = std::make_unique<RateFaultModel>(params, geometry, seed);
  return s;
}

FaultSource FaultSource::map(ProfiledFaultMap profiled) {
  FaultSource s(Kind::Map);
  s.map_ = std::make_unique<ProfiledFaultMap>(std::move(profiled));
  return s;
}

const char* FaultSource::name() const {
  switch (kind_) {
    case Kind::Chip:
      return "chip";
    case Kind::Rate:
      return "ber";
    case Kind::Map:
      return "fault_map";
  }
  return "";
}

FaultMap FaultSource::faults_at(double point) {
  switch (kind_) {
    case Kind::Chip:
      return chip_->faults_at(point);
    case Kind::Rate:
      return rate_->faults_at(point);
    case Kind::Map:
      return map_->has_failure_voltages() ? map_->at(point) : map_->at(std::nullopt);
  }
  return FaultMap{};
}

double FaultSource::transient_ber_at(double point) const {
  return kind_ == Kind::Chip ? chip_params_->transient_ber_at(point) : 0.0;
}

std::optional<double> FaultSource::expected_failure_fraction(double voltage_v) const {
  if (kind_ != Kind::Chip) return std::nullopt;
  return chip_->expected_failure_fraction(voltage_v);
}

}  // namespace lvsim
