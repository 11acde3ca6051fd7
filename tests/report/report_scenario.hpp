// A generated four-week darknet observation with hand-counted answers, shared by the
// report tests. Previous period 2026-02-16..03-01, report period 2026-03-02..03-15.
//
// Per day, previous period (14 days, 42 packets a day, 588 in all):
//   tcp/23   SYN  10  CN 1.0.0.1 (Mirai)
//   tcp/6379 SYN  20  US 2.0.0.2 (research)
//   tcp/22   SYN   5  RU 4.0.0.1
//   icmp echo      3  KR 5.0.0.1
//   udp/53         3  JP 7.0.0.1
//   tcp/80   SYN   1  TW 1.0.0.3
// Per day, report period (14 days; 116 a day in week 1, 136 in week 2; 1,764 in all):
//   tcp/23   SYN  15 CN 1.0.0.1, 10 JP 1.0.0.2, 5 TW 1.0.0.3 (all Mirai)
//   tcp/23   ACK   2  US 2.0.0.1 (tcp-other: charged to tcp/23)
//   tcp/6379 SYN  15  US 2.0.0.2 (research)
//   tcp/9530 SYN  20  VN 3.0.0.1 (Mirai), second week only
//   tcp/22   SYN  10  RU 4.0.0.1
//   udp/53         4  US 2.0.0.3 (research)
//   icmp echo      4  KR 5.0.0.1
//   SYN-ACK       50  DE 6.0.0.1 (backscatter: not charged to a port)
//   malformed      1  (IP header cut short: no source)
#pragma once

#include <cstdint>

#include "core/ip_address.hpp"
#include "core/packet_record.hpp"
#include "core/time.hpp"
#include "report/report_model.hpp"

namespace darkscope::report_test {

inline std::int64_t day(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d); }
inline DayRange previous_period() { return {day(2026, 2, 16), day(2026, 3, 1)}; }
inline DayRange report_period() { return {day(2026, 3, 2), day(2026, 3, 15)}; }
inline constexpr std::uint64_t kDarknetAddresses = 256;

struct Flow {
  const char* src;
  const char* country;  // "" = unknown
  TrafficClass cls;
  std::uint8_t protocol;
  std::uint16_t port;
  std::uint16_t fingerprints;
  std::uint16_t scanner_org;
  int per_day;
};

/// Calls sink(record) for `per_day` packets of `flow` on each day of [first, last].
template <class Sink>
void emit(const Flow& f, std::int64_t first, std::int64_t last, Sink&& sink) {
  for (std::int64_t d = first; d <= last; ++d) {
    for (int i = 0; i < f.per_day; ++i) {
      PacketRecord r{};
      r.ts_ns = d * kNsPerDay + (i + 1) * 60 * kNsPerSecond;
      r.wire_len = r.captured_len = 60;
      r.observed = true;
      r.traffic_class = f.cls;
      r.protocol = f.protocol;
      r.dst_port = f.port;
      r.fingerprints = f.fingerprints;
      r.scanner_org = f.scanner_org;
      r.dst = IpAddress::v4(0xC0000200u + static_cast<std::uint32_t>(i % 256));  // 192.0.2.x
      if (f.cls == TrafficClass::kMalformed) {
        r.ip_version = 0;
      } else {
        r.ip_version = 4;
        r.ip_total_len = 40;
        r.src = *IpAddress::parse(f.src);
        if (f.country[0]) r.country = {f.country[0], f.country[1]};
      }
      if (f.cls == TrafficClass::kTcpSyn) r.tcp_flags = kTcpSyn;
      if (f.cls == TrafficClass::kTcpOther) r.tcp_flags = kTcpAck;
      if (f.cls == TrafficClass::kTcpBackscatter) r.tcp_flags = kTcpSyn | kTcpAck;
      if (f.cls == TrafficClass::kIcmpRequest) r.icmp_type = 8;
      sink(r);
    }
  }
}

/// Every packet of the four weeks, in time order per flow.
template <class Sink>
void generate(Sink&& sink) {
  using TC = TrafficClass;
  const DayRange prev = previous_period();
  const DayRange cur = report_period();
  const Flow previous_flows[] = {
      {"1.0.0.1", "CN", TC::kTcpSyn, kProtoTcp, 23, kFpMirai, 0, 10},
      {"2.0.0.2", "US", TC::kTcpSyn, kProtoTcp, 6379, 0, 1, 20},
      {"4.0.0.1", "RU", TC::kTcpSyn, kProtoTcp, 22, 0, 0, 5},
      {"5.0.0.1", "KR", TC::kIcmpRequest, kProtoIcmp, 0, 0, 0, 3},
      {"7.0.0.1", "JP", TC::kUdp, kProtoUdp, 53, 0, 0, 3},
      {"1.0.0.3", "TW", TC::kTcpSyn, kProtoTcp, 80, 0, 0, 1},
  };
  for (const Flow& f : previous_flows) emit(f, prev.first_day, prev.last_day, sink);
  const Flow current_flows[] = {
      {"1.0.0.1", "CN", TC::kTcpSyn, kProtoTcp, 23, kFpMirai, 0, 15},
      {"1.0.0.2", "JP", TC::kTcpSyn, kProtoTcp, 23, kFpMirai, 0, 10},
      {"1.0.0.3", "TW", TC::kTcpSyn, kProtoTcp, 23, kFpMirai, 0, 5},
      {"2.0.0.1", "US", TC::kTcpOther, kProtoTcp, 23, 0, 0, 2},
      {"2.0.0.2", "US", TC::kTcpSyn, kProtoTcp, 6379, 0, 1, 15},
      {"4.0.0.1", "RU", TC::kTcpSyn, kProtoTcp, 22, 0, 0, 10},
      {"2.0.0.3", "US", TC::kUdp, kProtoUdp, 53, 0, 1, 4},
      {"5.0.0.1", "KR", TC::kIcmpRequest, kProtoIcmp, 0, 0, 0, 4},
      {"6.0.0.1", "DE", TC::kTcpBackscatter, kProtoTcp, 8080, 0, 0, 50},
      {"", "", TC::kMalformed, 0, 0, 0, 0, 1},
  };
  for (const Flow& f : current_flows) emit(f, cur.first_day, cur.last_day, sink);
  emit({"3.0.0.1", "VN", TC::kTcpSyn, kProtoTcp, 9530, kFpMirai, 0, 20}, cur.first_day + 7,
       cur.last_day, sink);
}

}  // namespace darkscope::report_test
