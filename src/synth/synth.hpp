// A generator of realistic, deterministic synthetic darknet captures (classic pcap).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"
#include "core/prefix.hpp"

namespace darkscope {

/// What a generated packet is meant to be: the ground truth the tests and the
/// benchmark check the pipeline against. The first kSynthBackgroundKinds kinds are
/// sampled packet by packet from a fixed mix (kSynthBackgroundMix); the others
/// follow their own schedules (the port surge and the DoS episodes).
enum class SynthKind : std::uint8_t {
  kResearch,        ///< a research scanner from a published range (TCP SYN, UDP, ICMP echo)
  kMirai,           ///< Mirai-type SYN: seq == dst, 9 in 10 to 23/tcp, 1 in 10 to 2323/tcp
  kScanner,         ///< an ordinary SYN scanner with a real OS's TCP options
  kZmap,            ///< ZMap SYN: IP ID 54321, TTL 255 at the origin, window 65535, no options
  kMasscan,         ///< masscan SYN: IP ID == (dst ^ dst_port ^ seq) & 0xffff, window 1024
  kLargeScale,      ///< no TCP options, TTL >= 200, window 1024, random IP ID
  kUdpProbe,        ///< UDP probe (DNS, NTP, SNMP, SSDP, SIP, ...)
  kIcmpEcho,        ///< ICMP echo request (some from ZMap with IP ID 54321)
  kTcpOther,        ///< ACK, FIN, NULL and Xmas scans
  kOtherProto,      ///< GRE and non-first IPv4 fragments
  kIpv6,            ///< IPv6: probes to the darknet's IPv6 prefix, or link-local noise outside it
  kOutside,         ///< IPv4 with a destination outside the darknet
  kArp,             ///< ARP requests (no IP)
  kMalformed,       ///< an IP, TCP, UDP or ICMP fixed header cut short
  kSurge,           ///< the port surge (9530/tcp by default)
  kTcpBackscatter,  ///< SYN-ACK, RST and RST+ACK from a DoS victim
  kIcmpBackscatter, ///< ICMP unreachable / TTL exceeded quoting a packet to a DoS victim
};
inline constexpr int kSynthKindCount = 17;
inline constexpr int kSynthBackgroundKinds = 14;
inline constexpr std::array<std::string_view, kSynthKindCount> kSynthKindNames = {
    "research", "mirai",     "scanner",  "zmap",     "masscan",         "large-scale",
    "udp",      "icmp-echo", "tcp-other", "other-proto", "ipv6",        "outside",
    "arp",      "malformed", "surge",    "tcp-backscatter", "icmp-backscatter"};

/// The share of each background kind among the background packets (sums to 1).
/// Research scanning is about half of all packets and Telnet about a quarter of
/// the rest, as in NICTER's 2019 figures.
inline constexpr std::array<double, kSynthBackgroundKinds> kSynthBackgroundMix = {
    0.48,    // research
    0.10,    // mirai
    0.204,   // scanner
    0.03,    // zmap
    0.04,    // masscan
    0.025,   // large-scale
    0.07,    // udp
    0.035,   // icmp-echo
    0.006,   // tcp-other
    0.0015,  // other-proto
    0.002,   // ipv6
    0.0058,  // outside
    0.0006,  // arp
    0.0001,  // malformed
};

/// A published research-scanner range embedded in the generator (each one is
/// listed verbatim in the openfilters, wdes or maltrail scanner lists).
struct ResearchRange {
  std::string_view organisation;
  std::string_view cidr;
};
/// The research ranges research sources are drawn from.
[[nodiscard]] std::span<const ResearchRange> synth_research_ranges() noexcept;

/// An allocated IPv4 block whose DB-IP country is `country`.
struct CountryBlock {
  std::string_view country;
  std::string_view cidr;
};
/// The blocks ordinary (non-research) sources are drawn from.
[[nodiscard]] std::span<const CountryBlock> synth_country_blocks() noexcept;

/// What to generate.
struct SynthOptions {
  std::uint64_t packets = 1'000'000;  ///< exactly this many records
  PrefixSet darknet;                  ///< needs at least one IPv4 prefix
  std::int64_t start_ns = 0;          ///< window start (UTC)
  int days = 7;                       ///< window length: [start, start + days)
  std::uint64_t seed = 1;
  int surge_day = 4;                  ///< day index of the port surge; clamped to days - 1
  std::uint16_t surge_port = 9530;
  /// Called now and then with the number of records written (for progress output).
  std::function<void(std::uint64_t)> progress;
};

/// One DoS backscatter episode as generated.
struct SynthEpisode {
  std::string victim;      ///< the attacked address (outer source, or quoted destination for ICMP)
  std::uint8_t protocol;   ///< of the backscatter: 6 (TCP) or 1 (ICMP)
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint64_t packets = 0;
};

/// What was generated, per kind, for tests and reports.
struct SynthStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  ///< file size
  std::array<std::uint64_t, kSynthKindCount> by_kind{};
  std::uint64_t background = 0;        ///< packets drawn from kSynthBackgroundMix
  std::uint64_t mirai_2323 = 0;        ///< Mirai probes to 2323/tcp
  std::uint64_t mirai_low_sport = 0;   ///< Mirai probes with source port <= 1024
  std::uint64_t masscan_high_ttl = 0;  ///< masscan probes arriving with TTL >= 200
  std::uint64_t surge_mirai = 0;       ///< surge probes with the Mirai fingerprint
  std::uint64_t zmap_icmp = 0;         ///< ICMP echo requests with IP ID 54321
  std::uint64_t bad_checksum = 0;      ///< probes written with a wrong IP or TCP checksum
  std::vector<std::uint64_t> surge_per_day;  ///< surge-port packets per day
  int surge_day = -1;                        ///< the day index the surge starts (-1: none)
  std::vector<SynthEpisode> episodes;

  [[nodiscard]] std::uint64_t count(SynthKind k) const noexcept {
    return by_kind[static_cast<int>(k)];
  }
};

/// Writes `options.packets` records of a synthetic darknet capture to `path` as
/// classic pcap (microseconds, little-endian, LINKTYPE_ETHERNET), in time order.
/// The same options give the same bytes on every platform. Throws
/// std::invalid_argument on bad options and std::runtime_error when the file
/// cannot be written.
SynthStats write_synthetic_capture(const SynthOptions& options, const std::string& path);

}  // namespace darkscope
