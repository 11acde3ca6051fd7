// A captured frame as capture hands it to decode: valid only during the call.
#pragma once

#include <cstdint>

#include "core/byte_reader.hpp"

namespace darkscope {

/// Link types (LINKTYPE_* values as stored in pcap/pcapng, plus DLT aliases seen in files).
enum LinkType : std::uint16_t {
  kLinkNull = 0,          ///< BSD loopback, host-order 4-byte family
  kLinkEthernet = 1,
  kLinkRawDlt12 = 12,     ///< DLT_RAW on most BSDs
  kLinkRawDlt14 = 14,     ///< DLT_RAW on OpenBSD
  kLinkLoop = 108,        ///< OpenBSD loopback, network-order family
  kLinkRaw = 101,         ///< LINKTYPE_RAW
  kLinkLinuxSll = 113,
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
  kLinkLinuxSll2 = 276,
};

/// One frame from a capture source. `data` points into the reader's buffer and is
/// valid only until the next call on that reader; decode copies what it keeps.
struct Frame {
  Bytes data;                     ///< captured bytes
  std::int64_t ts_ns = 0;         ///< nanoseconds since the Unix epoch, UTC
  std::uint32_t wire_len = 0;     ///< original length on the wire
  std::uint16_t link_type = 0;
  std::uint16_t interface_id = 0; ///< pcapng interface index (0 for pcap)
};

}  // namespace darkscope
