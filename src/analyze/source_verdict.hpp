// The classification of a source's profile (SPEC.md "Events", after GreyNoise):
// benign, malicious or unknown, with the rule that decided it in words.
#pragma once

#include <cstdint>
#include <string>

namespace darkscope {

enum class SourceVerdict : std::uint8_t { kUnknown, kBenign, kMalicious };

[[nodiscard]] constexpr const char* to_string(SourceVerdict v) noexcept {
  return v == SourceVerdict::kBenign ? "benign" : v == SourceVerdict::kMalicious ? "malicious"
                                                                                 : "unknown";
}

/// Malicious evidence wins over a research scanner's address list (an infected host
/// can sit in a listed range); then a listed organisation is benign; else unknown.
/// `fingerprints`: the OR of the source's fingerprint bits; `scanner_org`: the
/// organisation whose ranges hold the address ("" when none). `reason` says which
/// rule decided.
[[nodiscard]] SourceVerdict classify_source(std::uint16_t fingerprints, const std::string& scanner_org,
                                            std::string& reason);

}  // namespace darkscope
