// Decode + classify of one frame. The first byte picks the link type from the
// supported list; the rest is the frame.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "classify/classifier.hpp"
#include "decode/decoder.hpp"

namespace {
constexpr std::array<std::uint16_t, 11> kLinkTypes = {
    darkscope::kLinkNull,     darkscope::kLinkEthernet, darkscope::kLinkRawDlt12,
    darkscope::kLinkRawDlt14, darkscope::kLinkLoop,     darkscope::kLinkRaw,
    darkscope::kLinkLinuxSll, darkscope::kLinkIpv4,     darkscope::kLinkIpv6,
    darkscope::kLinkLinuxSll2, 105 /* unsupported: IEEE 802.11 */};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace darkscope;
  if (size == 0) return 0;
  static const Classifier normal(PrefixSet::parse_list("203.0.113.0/24,2001:db8::/32"), {});
  static const Classifier strict(PrefixSet{}, ClassifyOptions{.mirai_strict = true});
  Frame frame;
  frame.link_type = kLinkTypes[data[0] % kLinkTypes.size()];
  frame.data = Bytes(data + 1, size - 1);
  // Half the inputs claim a longer wire length, as a snap length would.
  frame.wire_len = static_cast<std::uint32_t>(size - 1 + (data[0] & 0x80 ? 100 : 0));
  PacketRecord r;
  const DecodeStatus status = decode_frame(frame, r);
  if (status != r.status) std::abort();
  if (status == DecodeStatus::kOk) {
    normal.classify(r);
    strict.classify(r);
    // Invariants: malformed carries no fingerprint, a fingerprint needs IPv4, and
    // a packet without a readable IP header is malformed.
    if (r.traffic_class == TrafficClass::kMalformed && r.fingerprints != 0) std::abort();
    if (r.fingerprints != 0 && r.ip_version != 4) std::abort();
    if (r.ip_version == 0 && r.traffic_class != TrafficClass::kMalformed) std::abort();
  } else if (r.ip_version != 0) {
    std::abort();
  }
  return 0;
}
