#include "analyze/source_verdict.hpp"

#include "core/packet_record.hpp"

namespace darkscope {

SourceVerdict classify_source(std::uint16_t fingerprints, const std::string& scanner_org, std::string& reason) {
  if ((fingerprints & kFpMirai) != 0) {
    reason = "mirai fingerprint (Mirai-type scanning)";
    if (!scanner_org.empty()) reason += "; address listed for " + scanner_org;
    return SourceVerdict::kMalicious;
  }
  if (!scanner_org.empty()) {
    reason = "known research scanner: " + scanner_org;
    return SourceVerdict::kBenign;
  }
  reason = "no research-scanner listing and no malicious fingerprint";
  return SourceVerdict::kUnknown;
}

}  // namespace darkscope
