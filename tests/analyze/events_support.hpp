// Packets for the event detector tests, built as the decoder and classifier
// would leave them (observed, classified, enriched).
#pragma once

#include <cstdint>

#include "core/packet_record.hpp"
#include "core/time.hpp"

namespace darkscope::events_test {

inline IpAddress v4(const char* text) { return *IpAddress::parse(text); }

/// A probe from src to dst:port of class cls at t seconds (fractional allowed) after t0_ns.
inline PacketRecord probe(std::int64_t t0_ns, double t, const char* src, IpAddress dst,
                          std::uint16_t port, TrafficClass cls = TrafficClass::kTcpSyn) {
  PacketRecord r;
  r.ts_ns = t0_ns + static_cast<std::int64_t>(t * 1e9);
  r.ip_version = 4;
  r.src = v4(src);
  r.dst = dst;
  r.observed = true;
  r.traffic_class = cls;
  r.protocol = cls == TrafficClass::kUdp            ? kProtoUdp
               : cls == TrafficClass::kIcmpRequest  ? kProtoIcmp
               : cls == TrafficClass::kIcmpBackscatter ? kProtoIcmp
                                                       : kProtoTcp;
  r.dst_port = port;
  r.src_port = 40000;
  r.ip_total_len = 40;
  r.wire_len = 54;
  return r;
}

/// 2020-02-11T00:00:00Z, the day 9530/tcp surged.
inline const std::int64_t kT0 = *parse_time("2020-02-11");

}  // namespace darkscope::events_test
