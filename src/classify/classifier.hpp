// Classify: darknet membership, traffic class and tool fingerprints (SPEC.md).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/packet_record.hpp"
#include "core/prefix.hpp"

namespace darkscope {

struct ClassifyOptions {
  /// Mirai only when also source port > 1024 (the honeypot study's variant).
  bool mirai_strict = false;
};

/// The traffic class of a decoded packet by SPEC.md's table alone.
[[nodiscard]] TrafficClass traffic_class_of(const PacketRecord& r) noexcept;
/// The fingerprint bits of a decoded packet (0 for packets that are not probes).
[[nodiscard]] std::uint16_t fingerprints_of(const PacketRecord& r,
                                            const ClassifyOptions& options) noexcept;
/// The same, with the class already known (saves classifying twice).
[[nodiscard]] std::uint16_t fingerprints_of(const PacketRecord& r, TrafficClass cls,
                                            const ClassifyOptions& options) noexcept;

/// True when a fixed header was cut short or no IP header could be read (SPEC.md).
[[nodiscard]] bool is_malformed(const PacketRecord& r) noexcept;

/// One tool fingerprint: its name (as in kFingerprintNames), its bit, and the rule.
/// The rule sees only probes (tcp-syn, udp, icmp-request), with their class known.
struct FingerprintRule {
  std::string_view name;
  Fingerprint bit;
  bool (*matches)(const PacketRecord& r, TrafficClass cls, const ClassifyOptions& options) noexcept;
};
/// Every fingerprint, in bit order: adding one is one row in classify.cpp.
[[nodiscard]] std::span<const FingerprintRule> fingerprint_rules() noexcept;

/// Fills the record's `observed`, `traffic_class` and `fingerprints` slots.
class Classifier {
 public:
  Classifier(PrefixSet darknet, ClassifyOptions options)
      : darknet_(std::move(darknet)), options_(options) {}

  void classify(PacketRecord& r) const noexcept {
    // A packet whose destination is unknown (IP header cut short) cannot be shown
    // to be outside: it is observed, and malformed.
    r.observed = r.ip_version == 0 || darknet_.contains(r.dst);
    r.traffic_class = traffic_class_of(r);
    r.fingerprints = fingerprints_of(r, r.traffic_class, options_);
  }
  [[nodiscard]] const PrefixSet& darknet() const noexcept { return darknet_; }
  [[nodiscard]] const ClassifyOptions& options() const noexcept { return options_; }

 private:
  PrefixSet darknet_;
  ClassifyOptions options_;
};

}  // namespace darkscope
