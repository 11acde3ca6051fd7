// Synthetic darknet captures: a per-second background mix merged in time order
// with fixed schedules (the port surge, DoS backscatter episodes).
//
// Determinism: every random choice comes from xoshiro256** seeded by splitmix64,
// and only IEEE +, *, / are used on doubles (no libm), so a seed gives the same
// bytes with any compiler and standard library.
#include "synth/synth.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/packet_record.hpp"
#include "core/time.hpp"

namespace darkscope {
namespace {

// ---------------------------------------------------------------- random numbers

constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

/// xoshiro256** (Blackman and Vigna): fast, small state, identical everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept {
    std::uint64_t s = seed;
    for (auto& word : state_) {
      s += 0x9E3779B97F4A7C15ULL;
      word = mix64(s);
    }
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(next() >> 32); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(next() >> 48); }
  /// Uniform in [0, n) for n < 2^32 (Lemire's multiply, bias below 2^-32).
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>((std::uint64_t{u32()} * n) >> 32);
  }
  std::uint32_t between(std::uint32_t lo, std::uint32_t hi) noexcept {  // inclusive
    return lo + below(hi - lo + 1);
  }
  /// True with probability per_million / 1e6.
  bool chance_ppm(std::uint32_t per_million) noexcept { return below(1'000'000) < per_million; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t state_[4];
};

/// A discrete distribution sampled from one 32-bit random value.
class Weighted {
 public:
  Weighted() = default;
  template <typename Range>
  explicit Weighted(const Range& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double cum = 0;
    for (double w : weights) {
      cum += w;
      const double scaled = cum / total * 4294967296.0;
      cum_.push_back(scaled >= 4294967296.0 ? 0x100000000ULL : static_cast<std::uint64_t>(scaled));
    }
    if (!cum_.empty()) cum_.back() = 0x100000000ULL;
  }
  [[nodiscard]] std::size_t pick(std::uint32_t r) const noexcept {
    return static_cast<std::size_t>(std::upper_bound(cum_.begin(), cum_.end(), std::uint64_t{r}) -
                                    cum_.begin());
  }
  [[nodiscard]] std::size_t size() const noexcept { return cum_.size(); }

 private:
  std::vector<std::uint64_t> cum_;
};

// ---------------------------------------------------------------- embedded tables

// Each range is listed verbatim in ../shared/corpus/scanner-lists (checked by synth_test).
constexpr ResearchRange kResearchRanges[] = {
    {"Censys", "162.142.125.0/24"},
    {"Censys", "167.94.138.0/24"},
    {"Censys", "167.94.145.0/24"},
    {"Censys", "167.94.146.0/24"},
    {"Censys", "199.45.154.0/23"},
    {"Censys", "206.168.32.0/22"},
    {"Shodan", "207.90.244.0/24"},
    {"Shodan", "216.117.2.176/28"},
    {"Shodan", "86.54.31.32/28"},
    {"Shadowserver", "184.105.139.64/26"},
    {"Shadowserver", "184.105.247.192/26"},
    {"Shadowserver", "216.218.206.64/26"},
    {"Shadowserver", "64.62.197.0/24"},
    {"Shadowserver", "65.49.1.0/24"},
    {"Rapid7", "71.6.233.0/24"},
    {"Rapid7", "5.63.151.96/27"},
    {"Rapid7", "146.185.25.160/27"},
    {"BinaryEdge", "100.20.135.181/32"},
    {"BinaryEdge", "15.157.237.12/32"},
    {"BinaryEdge", "167.99.101.246/32"},
    {"BinaryEdge", "3.96.123.95/32"},
    {"BinaryEdge", "44.240.155.235/32"},
    {"Palo Alto Networks", "147.185.132.0/22"},
    {"Palo Alto Networks", "162.216.148.0/22"},
    {"Palo Alto Networks", "198.235.24.0/24"},
    {"Palo Alto Networks", "205.210.31.0/24"},
    {"Palo Alto Networks", "35.203.210.0/23"},
    {"internet-measurement.com", "185.247.137.0/24"},
    {"internet-measurement.com", "193.163.125.0/24"},
    {"internet-measurement.com", "87.236.176.0/24"},
    {"Stretchoid", "128.203.200.147/32"},
    {"Stretchoid", "172.178.94.249/32"},
    {"Stretchoid", "20.15.167.72/32"},
    {"Stretchoid", "20.29.33.99/32"},
    {"Stretchoid", "20.65.194.47/32"},
    {"Stretchoid", "40.124.172.38/32"},
};
// Share of research packets per organisation (same order as first seen above).
constexpr std::string_view kResearchOrgs[] = {"Censys",     "Shodan",
                                              "Shadowserver", "Rapid7",
                                              "BinaryEdge", "Palo Alto Networks",
                                              "internet-measurement.com", "Stretchoid"};
constexpr double kResearchOrgWeights[] = {30, 8, 15, 8, 6, 20, 8, 5};

// Country checked with DB-IP's country database at the first, the last and 16
// random addresses of each block (synth_test repeats the check with mmdblookup).
constexpr CountryBlock kCountryBlocks[] = {
    {"CN", "218.92.0.0/16"},   {"CN", "61.177.0.0/16"},   {"CN", "222.186.0.0/16"},
    {"CN", "112.85.0.0/16"},   {"CN", "183.136.0.0/16"},  {"CN", "117.80.0.0/12"},
    {"US", "71.192.0.0/12"},   {"US", "73.0.0.0/12"},     {"US", "98.192.0.0/13"},
    {"RU", "95.165.0.0/16"},   {"RU", "178.176.0.0/16"},  {"RU", "188.162.0.0/16"},
    {"RU", "5.128.0.0/14"},    {"BR", "177.32.0.0/12"},   {"BR", "179.96.0.0/13"},
    {"IN", "117.192.0.0/12"},  {"IN", "59.88.0.0/13"},    {"IN", "106.192.0.0/12"},
    {"VN", "113.160.0.0/12"},  {"VN", "14.160.0.0/12"},   {"VN", "171.224.0.0/12"},
    {"KR", "121.128.0.0/11"},  {"KR", "175.192.0.0/11"},  {"KR", "211.200.0.0/13"},
    {"TW", "114.24.0.0/14"},   {"TW", "36.224.0.0/12"},   {"TW", "1.160.0.0/12"},
    {"NL", "77.160.0.0/12"},   {"NL", "84.24.0.0/13"},    {"DE", "79.192.0.0/10"},
    {"DE", "91.0.0.0/10"},     {"JP", "126.0.0.0/9"},     {"JP", "60.64.0.0/12"},
    {"JP", "153.128.0.0/12"},  {"EG", "41.32.0.0/12"},    {"IR", "5.112.0.0/13"},
    {"ID", "36.64.0.0/12"},    {"TH", "171.96.0.0/13"},   {"MX", "187.128.0.0/11"},
    {"AR", "181.0.0.0/12"},    {"TR", "78.160.0.0/12"},   {"PK", "39.32.0.0/11"},
    {"GB", "86.128.0.0/11"},   {"FR", "90.0.0.0/10"},     {"IT", "79.0.0.0/11"},
};

struct CountryWeight {
  std::string_view country;
  double weight;
};
// Infected IoT devices: concentrated in a few countries.
constexpr CountryWeight kBotCountries[] = {
    {"BR", 16}, {"VN", 12}, {"CN", 11}, {"IN", 10}, {"TW", 8}, {"KR", 7}, {"RU", 6},
    {"EG", 5},  {"IR", 5},  {"TR", 4},  {"US", 4},  {"ID", 4}, {"TH", 3}, {"MX", 2},
    {"AR", 2},  {"PK", 2},  {"JP", 1},
};
// Scanners and everything else: hosting-heavy countries first.
constexpr CountryWeight kScannerCountries[] = {
    {"US", 22}, {"CN", 20}, {"RU", 8}, {"NL", 6}, {"DE", 6}, {"BR", 5}, {"IN", 4},
    {"KR", 4},  {"VN", 3},  {"TW", 3}, {"JP", 3}, {"GB", 3}, {"FR", 3}, {"IR", 2},
    {"TR", 2},  {"ID", 2},  {"IT", 1}, {"TH", 1}, {"EG", 1}, {"MX", 1}, {"AR", 1},
    {"PK", 1},
};

struct PortWeight {
  std::uint16_t port;
  double weight;
};
// Destination ports of SYN scanners; port 0 stands for "a random port" (the long tail).
constexpr PortWeight kTcpPorts[] = {
    {23, 12},   {22, 9},     {445, 8},   {80, 7},    {3389, 6},  {8080, 5},  {443, 4},
    {5555, 3},  {1433, 3},   {37215, 2}, {52869, 2}, {81, 2},    {8443, 2},  {3306, 2},
    {6379, 2},  {5900, 2},   {21, 2},    {25, 2},    {7547, 2},  {139, 2},   {135, 2},
    {9200, 1},  {2323, 1},   {8088, 1},  {8000, 1},  {8888, 1},  {5432, 1},  {1723, 1},
    {2222, 1},  {60001, 1},  {49152, 1}, {8081, 1},  {110, 0.5}, {143, 0.5}, {88, 0.5},
    {9000, 0.5}, {5985, 0.5}, {27017, 0.5}, {4567, 0.5}, {0, 15},
};

enum class UdpService : std::uint8_t { kDns, kNtp, kSnmp, kSsdp, kSip, kChargen, kCldap, kMemcached, kHigh };
constexpr double kUdpServiceWeights[] = {20, 12, 10, 10, 12, 3, 6, 5, 22};

// Real probe payloads (what scanners for reflection/amplification send).
constexpr std::uint8_t kDnsQuery[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x03, 'w',  'w',  'w',  0x06, 'g',
                                      'o',  'o',  'g',  'l',  'e',  0x03, 'c',  'o',  'm',
                                      0x00, 0x00, 0x01, 0x00, 0x01};
constexpr std::uint8_t kNtpMonlist[] = {0x17, 0x00, 0x03, 0x2a, 0x00, 0x00, 0x00, 0x00};
constexpr std::uint8_t kSnmpGet[] = {0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',  'u',
                                     'b',  'l',  'i',  'c',  0xa0, 0x1c, 0x02, 0x04, 0x00,
                                     0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
                                     0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01,
                                     0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00};
constexpr std::string_view kSsdpSearch =
    "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
    "ST: ssdp:all\r\n\r\n";
constexpr std::string_view kSipOptions =
    "OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=foo;rport\r\nFrom: "
    "<sip:nm@nm>;tag=root\r\nTo: <sip:nm2@nm2>\r\nCall-ID: 50000\r\nCSeq: 42 OPTIONS\r\n"
    "Max-Forwards: 70\r\nContent-Length: 0\r\nContact: <sip:nm@nm>\r\nAccept: "
    "application/sdp\r\n\r\n";
constexpr std::uint8_t kCldapSearch[] = {0x30, 0x25, 0x02, 0x01, 0x01, 0x63, 0x20, 0x04, 0x00, 0x0a,
                                         0x01, 0x00, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01,
                                         0x00, 0x01, 0x01, 0x00, 0x87, 0x0b, 'o',  'b',  'j',  'e',
                                         'c',  't',  'c',  'l',  'a',  's',  's',  0x30, 0x00};
constexpr std::string_view kMemcachedStats{"\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n", 15};
constexpr std::string_view kDhtPing = "d1:ad2:id20:00000000000000000000e1:q4:ping1:t2:aa1:y1:qe";
constexpr std::string_view kWindowsPing = "abcdefghijklmnopqrstuvwabcdefghi";

/// A SYN's TCP options as an operating system lays them out; ttl0 is its initial TTL.
struct OsProfile {
  std::uint8_t ttl0;
  std::uint16_t window;
  bool df;
  std::uint8_t options[24];
  std::uint8_t options_len;
  int ts_offset;  ///< where the 4-byte TSval goes in options, -1 when none
};
constexpr OsProfile kOsProfiles[] = {
    // Linux: MSS, SACK_PERM, TS, NOP, WS 7
    {64, 64240, true, {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7}, 20, 8},
    // Windows: MSS, NOP, WS 8, NOP, NOP, SACK_PERM
    {128, 64240, true, {2, 4, 5, 180, 1, 3, 3, 8, 1, 1, 4, 2}, 12, -1},
    // Embedded Linux (routers, cameras): MSS, SACK_PERM, TS, NOP, WS 2
    {64, 5840, true, {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 2}, 20, 8},
    // macOS / BSD: MSS, NOP, WS 6, NOP, NOP, TS, SACK_PERM, EOL, EOL
    {64, 65535, true, {2, 4, 5, 180, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 0},
     24, 12},
    // nmap -sS: window 1024, MSS only
    {64, 1024, false, {2, 4, 5, 180}, 4, -1},
};
constexpr double kOsWeights[] = {40, 30, 12, 5, 13};

// ---------------------------------------------------------------- packet bytes

constexpr std::uint8_t kSensorMac[6] = {0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10};
constexpr std::uint8_t kRouterMac[6] = {0x00, 0x1c, 0x73, 0x12, 0x34, 0x56};
constexpr std::uint16_t kZmapIpId = 54321;
constexpr std::size_t kMinFrame = 60;  // Ethernet minimum without FCS: short frames are padded

inline void store16(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

inline std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) noexcept {
  for (std::size_t i = 0; i + 1 < n; i += 2) acc += (std::uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) acc += std::uint32_t{p[n - 1]} << 8;
  return acc;
}
inline std::uint16_t fold(std::uint32_t acc) noexcept {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc & 0xffff);
}

/// One frame under construction.
struct FrameBuf {
  std::uint8_t bytes[512]{};  // the largest frame (a SIP OPTIONS probe) is ~300 bytes
  std::size_t len = 0;
  std::size_t captured = 0;  ///< 0: the whole frame; else the capture is cut here
};

inline std::uint8_t* put_ethernet(FrameBuf& f, std::uint16_t ethertype, bool broadcast = false) {
  std::uint8_t* p = f.bytes;
  if (broadcast) {
    std::memset(p, 0xff, 6);
  } else {
    std::memcpy(p, kSensorMac, 6);
  }
  std::memcpy(p + 6, kRouterMac, 6);
  store16(p + 12, ethertype);
  f.len = 14;
  return p + 14;
}

struct Ip4 {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint16_t id = 0;
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  bool df = false;
  std::uint16_t fragment_offset = 0;  // 8-byte units
};

inline void put_ipv4(std::uint8_t* p, const Ip4& ip, std::size_t payload_len) {
  p[0] = 0x45;
  p[1] = 0;
  store16(p + 2, static_cast<std::uint32_t>(20 + payload_len));
  store16(p + 4, ip.id);
  store16(p + 6, (ip.df ? 0x4000u : 0u) | ip.fragment_offset);
  p[8] = ip.ttl;
  p[9] = ip.protocol;
  p[10] = p[11] = 0;
  store32(p + 12, ip.src);
  store32(p + 16, ip.dst);
  store16(p + 10, fold(sum16(p, 20)));
}

inline std::uint32_t pseudo4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto,
                             std::size_t len) noexcept {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
         static_cast<std::uint32_t>(len);
}

struct Tcp {
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0x02;
  std::uint16_t window = 0;
  const std::uint8_t* options = nullptr;
  std::size_t options_len = 0;
};

inline std::size_t put_tcp(std::uint8_t* p, const Tcp& t, std::uint32_t pseudo) {
  const std::size_t len = 20 + t.options_len;
  store16(p, t.sport);
  store16(p + 2, t.dport);
  store32(p + 4, t.seq);
  store32(p + 8, t.ack);
  p[12] = static_cast<std::uint8_t>((len / 4) << 4);
  p[13] = t.flags;
  store16(p + 14, t.window);
  p[16] = p[17] = p[18] = p[19] = 0;
  if (t.options_len) std::memcpy(p + 20, t.options, t.options_len);
  store16(p + 16, fold(sum16(p, len, pseudo)));
  return len;
}

inline std::size_t put_udp(std::uint8_t* p, std::uint16_t sport, std::uint16_t dport,
                           const std::uint8_t* payload, std::size_t n, std::uint32_t pseudo) {
  const std::size_t len = 8 + n;
  store16(p, sport);
  store16(p + 2, dport);
  store16(p + 4, static_cast<std::uint32_t>(len));
  p[6] = p[7] = 0;
  if (n) std::memcpy(p + 8, payload, n);
  std::uint16_t c = fold(sum16(p, len, pseudo));
  if (c == 0) c = 0xffff;  // RFC 768: a computed zero is sent as all ones
  store16(p + 6, c);
  return len;
}

/// ICMP header plus body; the checksum covers both.
inline std::size_t put_icmp(std::uint8_t* p, std::uint8_t type, std::uint8_t code,
                            std::uint32_t rest, const std::uint8_t* body, std::size_t n) {
  p[0] = type;
  p[1] = code;
  p[2] = p[3] = 0;
  store32(p + 4, rest);
  if (n) std::memcpy(p + 8, body, n);
  store16(p + 2, fold(sum16(p, 8 + n)));
  return 8 + n;
}

// ---------------------------------------------------------------- addresses

struct Block {
  std::uint32_t base;
  std::uint64_t size;
};

Block parse_block(std::string_view cidr) {
  const auto p = Prefix::parse(cidr);
  if (!p || !p->is_v4()) throw std::logic_error("synth: bad embedded CIDR");
  return {p->network.v4_value(), std::uint64_t{1} << (32 - p->length())};
}

/// A population of sources from weighted countries: source `index` always has
/// the same address and the same traits (hops, OS, ports) for a given seed.
class SourcePool {
 public:
  SourcePool(std::uint64_t salt, std::span<const CountryWeight> countries,
             const std::vector<std::pair<std::string_view, Block>>& blocks)
      : salt_(salt) {
    std::vector<double> weights;
    for (const auto& c : countries) {
      std::vector<Block> mine;
      for (const auto& [cc, b] : blocks) {
        if (cc == c.country) mine.push_back(b);
      }
      if (mine.empty()) continue;
      per_country_.push_back(std::move(mine));
      weights.push_back(c.weight);
    }
    countries_ = Weighted(weights);
  }
  /// Traits hash of a source: stable per (pool, index).
  [[nodiscard]] std::uint64_t traits(std::uint64_t index) const noexcept {
    return mix64(salt_ ^ mix64(index + 0x51ED27A3ULL));
  }
  [[nodiscard]] std::uint32_t address(std::uint64_t index) const noexcept {
    const std::uint64_t h = mix64(traits(index) ^ 0xA0761D6478BD642FULL);
    const auto& blocks = per_country_[countries_.pick(static_cast<std::uint32_t>(h >> 32))];
    const Block& b = blocks[(h >> 16 & 0xffff) % blocks.size()];
    std::uint32_t a = b.base + static_cast<std::uint32_t>(mix64(h) % b.size);
    const std::uint32_t last = a & 0xff;
    if (b.size >= 256 && (last == 0 || last == 255)) a = (a & ~0xffu) | (1 + last % 254);
    return a;
  }

 private:
  std::uint64_t salt_;
  std::vector<std::vector<Block>> per_country_;
  Weighted countries_;
};

// ---------------------------------------------------------------- schedules

/// Packets at a steady rate: count timestamps spread over [start, start + duration).
struct Segment {
  std::int64_t start_us;
  std::int64_t duration_us;
  std::uint64_t count;
};

enum class StreamKind : std::uint8_t { kSurge, kEpisode };

enum class EpisodeStyle : std::uint8_t { kTcp, kIcmpPortUnreachable, kIcmpRouter };

struct EpisodeSpec {
  const char* victim;
  EpisodeStyle style;
  std::uint16_t ports[2];
  double port_weights[2];
  double synack_rst_rstack[3];  // flag mix of TCP episodes
  double start_fraction;        // of the window
  std::int64_t duration_s;
  double share;                 // of all packets
  bool below_threshold;         // the fixed 24-packet, 50 s episode under CAIDA's thresholds
};

constexpr EpisodeSpec kEpisodes[] = {
    {"5.9.44.120", EpisodeStyle::kTcp, {80, 443}, {70, 30}, {85, 10, 5}, 0.23, 3600, 0.003, false},
    {"51.15.77.53", EpisodeStyle::kTcp, {53, 53}, {1, 1}, {70, 0, 30}, 0.41, 7200, 0.0025, false},
    {"139.162.88.21", EpisodeStyle::kTcp, {25565, 25565}, {1, 1}, {40, 0, 60}, 0.55, 900, 0.0005,
     false},
    {"104.131.20.14", EpisodeStyle::kIcmpPortUnreachable, {0, 0}, {1, 1}, {0, 0, 0}, 0.68, 1800,
     0.001, false},
    {"5.9.200.7", EpisodeStyle::kIcmpRouter, {80, 80}, {1, 1}, {0, 0, 0}, 0.77, 1200, 0.0003, false},
    {"51.15.200.80", EpisodeStyle::kTcp, {443, 443}, {1, 1}, {0, 100, 0}, 0.88, 50, 0, true},
};
constexpr int kEpisodeCount = sizeof(kEpisodes) / sizeof(kEpisodes[0]);
// Steady rate of the episodes above CAIDA's thresholds: >= 30 packets in every 60 s.
constexpr double kEpisodeMinRate = 0.6;
constexpr std::uint64_t kBelowThresholdPackets = 24;

struct FixedStream {
  StreamKind kind;
  int episode = -1;
  std::vector<Segment> segments;
  std::size_t segment = 0;
  std::uint64_t index = 0;  // within the segment
  std::int64_t next_us = LLONG_MAX;
  std::uint64_t total = 0;
  std::size_t info = 0;  // index into SynthStats::episodes

  void advance(Rng& rng) {
    while (segment < segments.size() && index >= segments[segment].count) {
      ++segment;
      index = 0;
    }
    if (segment >= segments.size()) {
      next_us = LLONG_MAX;
      return;
    }
    const Segment& s = segments[segment];
    // start + floor(index * duration / count) without overflow: duration = q * count + r.
    const auto at = [&s](std::uint64_t i) {
      const auto d = static_cast<std::uint64_t>(s.duration_us);
      const std::uint64_t q = d / s.count;
      const std::uint64_t r = d % s.count;
      return s.start_us + static_cast<std::int64_t>(i * q + i * r / s.count);
    };
    const std::int64_t lo = at(index);
    const std::int64_t hi = at(index + 1);
    const std::int64_t span = hi - lo;
    next_us = lo + (span > 0 ? static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(
                                   std::min<std::int64_t>(span, 0xffffffff))))
                             : 0);
    ++index;
  }
};

// Diurnal curve (UTC hours): most bots sit in Asia and South America, so the
// peak is in the Asian evening. Mean 1.0, +-14%.
constexpr double kHourly[24] = {0.90, 0.88, 0.87, 0.88, 0.90, 0.93, 0.96, 0.99,
                                1.02, 1.05, 1.08, 1.11, 1.13, 1.14, 1.13, 1.11,
                                1.08, 1.05, 1.02, 0.99, 0.96, 0.94, 0.92, 0.91};

double rhythm(std::int64_t unix_s) noexcept {
  const std::int64_t day = unix_s >= 0 ? unix_s / 86400 : (unix_s - 86399) / 86400;
  const std::int64_t sod = unix_s - day * 86400;
  const int hour = static_cast<int>(sod / 3600);
  const double frac = static_cast<double>(sod % 3600) / 3600.0;
  double w = kHourly[hour] + (kHourly[(hour + 1) % 24] - kHourly[hour]) * frac;
  const std::int64_t weekday = ((day + 4) % 7 + 7) % 7;  // 0 = Sunday (1970-01-01 was a Thursday)
  if (weekday == 0 || weekday == 6) w = 0.93 * (1.0 + (w - 1.0) * 0.7);  // weekends: lower, flatter
  return w;
}

// ---------------------------------------------------------------- the generator

constexpr std::uint32_t darknet_gateway_offset = 1;

class Generator {
 public:
  Generator(const SynthOptions& o, SynthStats& stats) : opt_(o), stats_(stats), rng_(o.seed) {
    for (const auto& p : o.darknet.prefixes()) {
      if (p.is_v4()) {
        dark4_.push_back({p.network.v4_value(), std::uint64_t{1} << (32 - p.length())});
      } else if (!dark6_) {
        dark6_ = p;
      }
    }
    if (dark4_.empty()) throw std::invalid_argument("synth: the darknet needs an IPv4 prefix");
    std::vector<double> sizes;
    for (const auto& b : dark4_) sizes.push_back(static_cast<double>(b.size));
    dark4_pick_ = Weighted(sizes);

    std::vector<std::pair<std::string_view, Block>> blocks;
    for (const auto& c : kCountryBlocks) blocks.emplace_back(c.country, parse_block(c.cidr));
    const std::uint64_t s = mix64(o.seed);
    bots_ = std::make_unique<SourcePool>(s ^ 1, kBotCountries, blocks);
    scanners_ = std::make_unique<SourcePool>(s ^ 2, kScannerCountries, blocks);
    surge_bots_ = std::make_unique<SourcePool>(s ^ 3, kBotCountries, blocks);

    for (int i = 0; i < kSynthBackgroundKinds; ++i) mix_weights_[i] = kSynthBackgroundMix[i];
    kind_pick_ = Weighted(mix_weights_);
    std::vector<double> w;
    for (const auto& p : kTcpPorts) w.push_back(p.weight);
    port_pick_ = Weighted(w);
    udp_pick_ = Weighted(kUdpServiceWeights);
    os_pick_ = Weighted(kOsWeights);
    org_pick_ = Weighted(kResearchOrgWeights);
    for (const auto& org : kResearchOrgs) {
      std::vector<Block> r;
      for (const auto& rr : kResearchRanges) {
        if (rr.organisation == org) r.push_back(parse_block(rr.cidr));
      }
      org_ranges_.push_back(std::move(r));
    }

    // Pools grow with the capture so that sources keep a realistic packet count each.
    const std::uint64_t n = o.packets;
    bot_pool_ = std::clamp<std::uint64_t>(n / 120, 64, 400000);
    scanner_pool_ = std::clamp<std::uint64_t>(n / 400, 48, 150000);
    tool_pool_ = std::clamp<std::uint64_t>(n / 25000, 6, 3000);
  }

  void run(std::FILE* out);

 private:
  // Sources and destinations
  std::uint32_t darknet_v4() noexcept {
    const Block& b = dark4_[dark4_pick_.pick(rng_.u32())];
    return b.base + static_cast<std::uint32_t>(b.size > 1 ? rng_.next() % b.size : 0);
  }
  std::uint64_t skewed(std::uint64_t pool) noexcept {
    // A few sources send much more than most (u^2 puts more mass on low indexes).
    const std::uint64_t u = rng_.u32();
    return ((u * u) >> 32) * pool >> 32;
  }
  std::uint16_t scan_port(bool allow_surge_port = false) noexcept {
    for (;;) {
      const std::uint16_t p = kTcpPorts[port_pick_.pick(rng_.u32())].port;
      if (p != 0) return p;
      const auto r = static_cast<std::uint16_t>(rng_.between(1, 65535));
      if (allow_surge_port || r != opt_.surge_port) return r;
    }
  }
  std::uint16_t random_port() noexcept {
    for (;;) {
      const auto r = static_cast<std::uint16_t>(rng_.between(1, 65535));
      if (r != opt_.surge_port) return r;
    }
  }

  // Fingerprints hold exactly for the packets meant to carry them, so the
  // generator's counts are the ground truth of every fingerprint.
  void sanitize(Ip4& ip, Tcp* tcp, std::uint16_t intended) noexcept {
    const bool syn_probe = tcp && (tcp->flags & (kSyn | kAck)) == kSyn;
    for (int guard = 0; guard < 8; ++guard) {
      bool changed = false;
      if (!(intended & kFpZmap) && ip.id == kZmapIpId) {
        ip.id ^= 0x0100;
        changed = true;
      }
      if (syn_probe && !(intended & kFpMirai) && tcp->seq == ip.dst) {
        tcp->seq ^= 0x00010000;
        changed = true;
      }
      if (syn_probe && !(intended & kFpMasscan) &&
          ip.id == ((ip.dst ^ tcp->dport ^ tcp->seq) & 0xffff)) {
        ip.id = static_cast<std::uint16_t>(ip.id + 1);
        changed = true;
      }
      if (!changed) return;
    }
  }

  // Packet builders: each fills frame_ and returns nothing; emit() writes it.
  void tcp4(const Ip4& ip_in, const Tcp& tcp_in, std::uint16_t intended, bool corrupt_ip = false,
            bool corrupt_tcp = false) {
    Ip4 ip = ip_in;
    Tcp tcp = tcp_in;
    ip.protocol = kProtoTcp;
    sanitize(ip, &tcp, intended);
    if ((intended & kFpMasscan) != 0) {
      ip.id = static_cast<std::uint16_t>((ip.dst ^ tcp.dport ^ tcp.seq) & 0xffff);
    }
    std::uint8_t* p = put_ethernet(frame_, 0x0800);
    const std::size_t len = 20 + tcp.options_len;
    put_ipv4(p, ip, len);
    put_tcp(p + 20, tcp, pseudo4(ip.src, ip.dst, kProtoTcp, len));
    if (corrupt_ip) p[11] ^= 0x5a;
    if (corrupt_tcp) p[20 + 17] ^= 0x5a;
    frame_.len += 20 + len;
  }
  void udp4(const Ip4& ip_in, std::uint16_t sport, std::uint16_t dport, const std::uint8_t* payload,
            std::size_t n) {
    Ip4 ip = ip_in;
    ip.protocol = kProtoUdp;
    sanitize(ip, nullptr, 0);
    std::uint8_t* p = put_ethernet(frame_, 0x0800);
    put_ipv4(p, ip, 8 + n);
    put_udp(p + 20, sport, dport, payload, n, pseudo4(ip.src, ip.dst, kProtoUdp, 8 + n));
    frame_.len += 28 + n;
  }
  void icmp4(const Ip4& ip_in, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
             const std::uint8_t* body, std::size_t n, std::uint16_t intended) {
    Ip4 ip = ip_in;
    ip.protocol = kProtoIcmp;
    sanitize(ip, nullptr, intended);
    std::uint8_t* p = put_ethernet(frame_, 0x0800);
    put_ipv4(p, ip, 8 + n);
    put_icmp(p + 20, type, code, rest, body, n);
    frame_.len += 28 + n;
  }

  std::uint8_t hops(std::uint64_t traits, int lo, int hi) const noexcept {
    return static_cast<std::uint8_t>(lo + static_cast<int>((traits >> 40) % (hi - lo + 1)));
  }

  void make_research();
  void make_mirai(std::uint32_t src, std::uint64_t traits, std::uint16_t dport, bool count_stats);
  void make_scanner_syn(std::uint32_t src, std::uint64_t traits, std::uint16_t dport, std::uint32_t dst,
                        bool allow_bad_checksum);
  void make_zmap();
  void make_masscan();
  void make_large_scale();
  void make_udp(std::uint32_t src, std::uint64_t traits);
  void make_icmp_echo(std::uint32_t src, std::uint64_t traits, bool zmap);
  void make_tcp_other();
  void make_other_proto();
  void make_ipv6();
  void make_outside();
  void make_arp();
  void make_malformed();
  void make_surge(std::int64_t ts_us);
  void make_episode(int e);

  void make_background(SynthKind k);
  void emit(std::int64_t ts_us, SynthKind kind, std::FILE* out);
  void flush(std::FILE* out);

  static constexpr std::uint8_t kSyn = 0x02;
  static constexpr std::uint8_t kAck = 0x10;
  static constexpr std::uint8_t kRst = 0x04;
  static constexpr std::uint8_t kFin = 0x01;

  const SynthOptions& opt_;
  SynthStats& stats_;
  Rng rng_;
  FrameBuf frame_;
  std::vector<Block> dark4_;
  std::optional<Prefix> dark6_;
  Weighted dark4_pick_, kind_pick_, port_pick_, udp_pick_, os_pick_, org_pick_;
  std::array<double, kSynthBackgroundKinds> mix_weights_{};
  std::vector<std::vector<Block>> org_ranges_;
  std::unique_ptr<SourcePool> bots_, scanners_, surge_bots_;
  std::uint64_t bot_pool_ = 0, scanner_pool_ = 0, tool_pool_ = 0;
  std::uint32_t episode_victim_[kEpisodeCount]{};
  int surge_day_ = -1;
  std::int64_t start_us_ = 0;
  std::vector<std::uint8_t> out_;
  std::size_t out_pos_ = 0;
};

void Generator::make_research() {
  const std::size_t org = org_pick_.pick(rng_.u32());
  const auto& ranges = org_ranges_[org];
  const Block& b = ranges[rng_.below(static_cast<std::uint32_t>(ranges.size()))];
  const std::uint32_t src = b.base + static_cast<std::uint32_t>(rng_.next() % b.size);
  const std::uint64_t traits = mix64(src ^ 0x5EA7C4ULL);
  const std::uint32_t dst = darknet_v4();
  const std::uint32_t what = rng_.below(100);
  Ip4 ip{src, dst, rng_.u16(), static_cast<std::uint8_t>(64 - hops(traits, 8, 20)), 0, false};
  if (what < 85) {
    Tcp t;
    t.sport = static_cast<std::uint16_t>(rng_.between(32768, 60999));
    t.dport = rng_.below(2) ? scan_port() : random_port();
    t.seq = rng_.u32();
    // Censys scans with a ZMap derivative (no options); the others with Linux stacks.
    if (kResearchOrgs[org] == "Censys") {
      t.window = 65535;
    } else {
      static constexpr OsProfile linux_profile = kOsProfiles[0];
      std::uint8_t opts[24];
      std::memcpy(opts, linux_profile.options, linux_profile.options_len);
      store32(opts + linux_profile.ts_offset, rng_.u32());
      t.window = linux_profile.window;
      t.options = opts;
      t.options_len = linux_profile.options_len;
      ip.df = true;
      tcp4(ip, t, 0);
      return;
    }
    tcp4(ip, t, 0);
  } else if (what < 95) {
    make_udp(src, traits);
  } else {
    make_icmp_echo(src, traits, false);
  }
}

void Generator::make_mirai(std::uint32_t src, std::uint64_t traits, std::uint16_t dport,
                           bool count_stats) {
  // Mirai's scanner: TTL 64 at the origin, random IP ID, source port and window,
  // no options, and the destination address as sequence number.
  const std::uint32_t dst = darknet_v4();
  Ip4 ip{src, dst, rng_.u16(), static_cast<std::uint8_t>(64 - hops(traits, 0, 34)), 0, false};
  Tcp t;
  t.sport = rng_.u16();
  if (t.sport == 0) t.sport = 1;
  t.dport = dport;
  t.seq = dst;
  t.window = rng_.u16();
  tcp4(ip, t, kFpMirai);
  if (count_stats && t.sport <= 1024) ++stats_.mirai_low_sport;
}

void Generator::make_scanner_syn(std::uint32_t src, std::uint64_t traits, std::uint16_t dport,
                                 std::uint32_t dst, bool allow_bad_checksum) {
  const OsProfile& os = kOsProfiles[os_pick_.pick(static_cast<std::uint32_t>(traits))];
  std::uint8_t opts[24];
  std::memcpy(opts, os.options, os.options_len);
  if (os.ts_offset >= 0) store32(opts + os.ts_offset, rng_.u32());
  Ip4 ip{src, dst, rng_.u16(), static_cast<std::uint8_t>(os.ttl0 - hops(traits, 6, 24)), 0, os.df};
  Tcp t;
  t.sport = static_cast<std::uint16_t>(rng_.between(1025, 65535));
  t.dport = dport;
  t.seq = rng_.u32();
  t.window = os.window;
  t.options = opts;
  t.options_len = os.options_len;
  bool bad_ip = false;
  bool bad_tcp = false;
  if (allow_bad_checksum) {
    // A few damaged probes per million, as a real link delivers them.
    const std::uint32_t r = rng_.below(1'000'000);
    bad_tcp = r < 20;
    bad_ip = r >= 20 && r < 30;
    if (bad_ip || bad_tcp) ++stats_.bad_checksum;
  }
  tcp4(ip, t, 0, bad_ip, bad_tcp);
}

void Generator::make_zmap() {
  const std::uint64_t i = skewed(tool_pool_);
  const std::uint64_t traits = scanners_->traits(i + (1ULL << 40));
  const std::uint32_t src = scanners_->address(i + (1ULL << 40));
  // A ZMap run scans one port; a source runs a few.
  const std::uint16_t dport =
      rng_.below(5) ? kTcpPorts[port_pick_.pick(static_cast<std::uint32_t>(traits >> 8) +
                                                rng_.below(3) * 0x3000000u)]
                          .port
                    : scan_port();
  Ip4 ip{src, darknet_v4(), kZmapIpId, static_cast<std::uint8_t>(255 - hops(traits, 5, 30)), 0,
         false};
  Tcp t;
  t.sport = static_cast<std::uint16_t>(rng_.between(32768, 60999));
  t.dport = dport != 0 ? dport : scan_port();
  t.seq = rng_.u32();
  t.window = 65535;
  tcp4(ip, t, kFpZmap);
}

void Generator::make_masscan() {
  const std::uint64_t i = skewed(tool_pool_);
  const std::uint64_t traits = scanners_->traits(i + (2ULL << 40));
  const std::uint32_t src = scanners_->address(i + (2ULL << 40));
  // masscan sends TTL 255; a share of the sources sit behind a NAT that rewrites it.
  const bool high_ttl = (traits & 0xff) < 218;
  const auto ttl = static_cast<std::uint8_t>((high_ttl ? 255 : 64) - hops(traits, 5, 30));
  Ip4 ip{src, darknet_v4(), 0, ttl, 0, false};
  Tcp t;
  t.sport = static_cast<std::uint16_t>(40000 + (traits >> 16) % 20000);  // one port per scan
  t.dport = rng_.below(10) < 3 ? random_port() : scan_port();
  t.seq = rng_.u32();
  if (((ip.dst ^ t.dport ^ t.seq) & 0xffff) == kZmapIpId) t.seq ^= 1;
  t.window = 1024;
  tcp4(ip, t, kFpMasscan);
  if (ttl >= 200) ++stats_.masscan_high_ttl;
}

void Generator::make_large_scale() {
  const std::uint64_t i = skewed(tool_pool_);
  const std::uint64_t traits = scanners_->traits(i + (3ULL << 40));
  Ip4 ip{scanners_->address(i + (3ULL << 40)), darknet_v4(), rng_.u16(),
         static_cast<std::uint8_t>(255 - hops(traits, 5, 40)), 0, false};
  Tcp t;
  t.sport = rng_.u16() | 0x400;
  t.dport = rng_.below(10) < 4 ? random_port() : scan_port();
  t.seq = rng_.u32();
  t.window = 1024;
  tcp4(ip, t, kFpLargeScale);
}

void Generator::make_udp(std::uint32_t src, std::uint64_t traits) {
  const auto service = static_cast<UdpService>(udp_pick_.pick(rng_.u32()));
  std::uint8_t payload[256];
  std::size_t n = 0;
  std::uint16_t dport = 0;
  auto copy = [&](const void* data, std::size_t len) {
    std::memcpy(payload, data, len);
    n = len;
  };
  switch (service) {
    case UdpService::kDns:
      dport = 53;
      copy(kDnsQuery, sizeof kDnsQuery);
      store16(payload, rng_.u16());
      break;
    case UdpService::kNtp:
      dport = 123;
      if (rng_.below(2)) {
        copy(kNtpMonlist, sizeof kNtpMonlist);
      } else {
        std::memset(payload, 0, 48);
        payload[0] = 0xe3;  // LI 3, version 4, mode 3 (client)
        n = 48;
      }
      break;
    case UdpService::kSnmp:
      dport = 161;
      copy(kSnmpGet, sizeof kSnmpGet);
      store32(payload + 17, rng_.u32() & 0x7fffffff);
      break;
    case UdpService::kSsdp:
      dport = 1900;
      copy(kSsdpSearch.data(), kSsdpSearch.size());
      break;
    case UdpService::kSip:
      dport = 5060;
      copy(kSipOptions.data(), kSipOptions.size());
      break;
    case UdpService::kChargen:
      dport = 19;
      payload[0] = 0x01;
      n = 1;
      break;
    case UdpService::kCldap:
      dport = 389;
      copy(kCldapSearch, sizeof kCldapSearch);
      break;
    case UdpService::kMemcached:
      dport = 11211;
      copy(kMemcachedStats.data(), kMemcachedStats.size());
      break;
    case UdpService::kHigh:
      // Random high ports: empty datagrams (port sweeps) and BitTorrent
      // DHT pings (peers that once saw a darknet address in a swarm).
      dport = static_cast<std::uint16_t>(rng_.between(49152, 65535));  // the dynamic range
      if (rng_.below(2)) {
        copy(kDhtPing.data(), kDhtPing.size());
        for (int k = 12; k < 32; ++k) payload[k] = static_cast<std::uint8_t>('a' + rng_.below(26));
      }
      break;
  }
  Ip4 ip{src, darknet_v4(), rng_.u16(), static_cast<std::uint8_t>(((traits >> 3) & 1 ? 128 : 64) -
                                                                 hops(traits, 6, 24)),
         0, false};
  // Source ports from the dynamic range, as most stacks and scanners pick them.
  udp4(ip, static_cast<std::uint16_t>(rng_.between(49152, 65535)), dport, payload, n);
}

void Generator::make_icmp_echo(std::uint32_t src, std::uint64_t traits, bool zmap) {
  const std::uint32_t rest = rng_.u32();  // identifier and sequence
  if (zmap) {
    Ip4 ip{src, darknet_v4(), kZmapIpId, static_cast<std::uint8_t>(255 - hops(traits, 5, 30)), 0,
           false};
    icmp4(ip, 8, 0, rest, nullptr, 0, kFpZmap);
    ++stats_.zmap_icmp;
    return;
  }
  std::uint8_t body[56];
  std::size_t n;
  std::uint8_t ttl0;
  if ((traits >> 5) & 1) {  // Windows ping: 32 bytes of the alphabet
    std::memcpy(body, kWindowsPing.data(), kWindowsPing.size());
    n = kWindowsPing.size();
    ttl0 = 128;
  } else {  // Linux ping: 8-byte timestamp, then 0x10, 0x11, ...
    store32(body, rng_.u32());
    store32(body + 4, rng_.u32());
    for (int k = 8; k < 56; ++k) body[k] = static_cast<std::uint8_t>(k + 8);
    n = 56;
    ttl0 = 64;
  }
  Ip4 ip{src, darknet_v4(), rng_.u16(), static_cast<std::uint8_t>(ttl0 - hops(traits, 6, 24)), 0,
         ttl0 == 64};
  icmp4(ip, 8, 0, rest, body, n, 0);
}

void Generator::make_tcp_other() {
  const std::uint64_t i = skewed(scanner_pool_);
  const std::uint64_t traits = scanners_->traits(i);
  static constexpr std::uint8_t kFlags[] = {0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x01, 0x11,
                                            0x11, 0x00, 0x29, 0x18};  // ACK, FIN, FIN+ACK, NULL, Xmas, PSH+ACK
  Ip4 ip{scanners_->address(i), darknet_v4(), rng_.u16(),
         static_cast<std::uint8_t>(64 - hops(traits, 6, 24)), 0, false};
  Tcp t;
  t.sport = static_cast<std::uint16_t>(rng_.between(1025, 65535));
  t.dport = scan_port();
  t.seq = rng_.u32();
  t.flags = kFlags[rng_.below(sizeof kFlags)];
  t.ack = (t.flags & kAck) ? rng_.u32() : 0;
  t.window = 1024;
  tcp4(ip, t, 0);
}

void Generator::make_other_proto() {
  const std::uint64_t i = skewed(scanner_pool_);
  const std::uint64_t traits = scanners_->traits(i);
  Ip4 ip{scanners_->address(i), darknet_v4(), rng_.u16(),
         static_cast<std::uint8_t>(64 - hops(traits, 6, 24)), 0, false};
  sanitize(ip, nullptr, 0);
  std::uint8_t* p = put_ethernet(frame_, 0x0800);
  std::size_t n;
  if (rng_.below(10) < 6) {
    // GRE carrying an IPv4 header (probes for open GRE endpoints).
    ip.protocol = 47;
    std::uint8_t* g = p + 20;
    store16(g, 0);
    store16(g + 2, 0x0800);
    Ip4 inner{rng_.u32(), rng_.u32(), rng_.u16(), 64, kProtoIcmp, false};
    put_ipv4(g + 4, inner, 8);
    put_icmp(g + 24, 8, 0, rng_.u32(), nullptr, 0);  // an echo request inside
    n = 32;
  } else {
    // A non-first fragment of a large UDP datagram.
    ip.protocol = kProtoUdp;
    ip.fragment_offset = 185;  // 1480 bytes in
    n = 32;
    for (std::size_t k = 0; k < n; ++k) p[20 + k] = static_cast<std::uint8_t>(rng_.u32());
  }
  put_ipv4(p, ip, n);
  frame_.len += 20 + n;
}

void Generator::make_ipv6() {
  std::uint8_t* p = put_ethernet(frame_, 0x86dd);
  std::uint8_t src[16]{};
  std::uint8_t dst[16]{};
  std::uint8_t next = kProtoIcmpv6;
  std::uint8_t hop = 64;
  std::size_t n = 0;
  std::uint8_t* l4 = p + 40;
  if (dark6_) {
    // Probes to the darknet's IPv6 prefix from a few real provider blocks.
    static constexpr std::uint8_t kV6Sources[][4] = {
        {0x20, 0x01, 0x04, 0x70}, {0x2a, 0x01, 0x04, 0xf8}, {0x24, 0x0e, 0x03, 0x00}};
    std::memcpy(src, kV6Sources[rng_.below(3)], 4);
    for (int k = 4; k < 16; ++k) src[k] = static_cast<std::uint8_t>(rng_.u32());
    std::memcpy(dst, dark6_->network.bytes.data(), 16);
    for (int bit = dark6_->bits; bit < 128; ++bit) {
      if (rng_.below(2)) dst[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    }
    hop = static_cast<std::uint8_t>(64 - rng_.between(6, 20));
    if (rng_.below(2)) {
      next = kProtoTcp;
      std::uint8_t opts[4] = {2, 4, 5, 160};
      l4[0] = 0;
      Tcp t;
      t.sport = static_cast<std::uint16_t>(rng_.between(32768, 60999));
      t.dport = scan_port();
      t.seq = rng_.u32();
      t.window = 64800;
      t.options = opts;
      t.options_len = 4;
      n = 24;
      std::uint32_t pseudo = sum16(src, 16, sum16(dst, 16)) + kProtoTcp + static_cast<std::uint32_t>(n);
      put_tcp(l4, t, pseudo);
    } else {
      n = 8 + 16;
      l4[0] = 128;
      l4[1] = 0;
      l4[2] = l4[3] = 0;
      store32(l4 + 4, rng_.u32());
      for (int k = 8; k < 24; ++k) l4[k] = static_cast<std::uint8_t>(rng_.u32());
    }
  } else {
    // Link-local noise on the sensor's segment: router and neighbour solicitations.
    src[0] = 0xfe;
    src[1] = 0x80;
    for (int k = 8; k < 16; ++k) src[k] = static_cast<std::uint8_t>(rng_.u32());
    dst[0] = 0xff;
    dst[1] = 0x02;
    hop = 255;
    n = 24;
    std::memset(l4, 0, n);
    if (rng_.below(2)) {
      dst[15] = 2;
      l4[0] = 133;  // router solicitation, with a source link-layer address option
      l4[8] = 1;
      l4[9] = 1;
      std::memcpy(l4 + 10, kRouterMac, 6);
      n = 16;
    } else {
      dst[11] = 1;
      dst[12] = 0xff;
      l4[0] = 135;  // neighbour solicitation for a target on the link
      l4[8] = 0xfe;
      l4[9] = 0x80;
      for (int k = 16; k < 24; ++k) l4[k] = static_cast<std::uint8_t>(rng_.u32());
      dst[13] = l4[21];
      dst[14] = l4[22];
      dst[15] = l4[23];
    }
  }
  if (next == kProtoIcmpv6) {
    const std::uint32_t pseudo =
        sum16(src, 16, sum16(dst, 16)) + kProtoIcmpv6 + static_cast<std::uint32_t>(n);
    store16(l4 + 2, fold(sum16(l4, n, pseudo)));
  }
  p[0] = 0x60;
  p[1] = p[2] = p[3] = 0;
  store16(p + 4, static_cast<std::uint32_t>(n));
  p[6] = next;
  p[7] = hop;
  std::memcpy(p + 8, src, 16);
  std::memcpy(p + 24, dst, 16);
  frame_.len += 40 + n;
}

void Generator::make_outside() {
  // Scans that reach the sensor's segment but not the darknet (neighbouring space).
  std::uint32_t dst = 0;
  for (int tries = 0; tries < 16; ++tries) {
    dst = rng_.u32();
    const std::uint32_t top = dst >> 24;
    if (top == 0 || top == 10 || top == 127 || top >= 224) continue;
    if (!opt_.darknet.contains(IpAddress::v4(dst))) break;
  }
  const std::uint64_t i = skewed(scanner_pool_);
  make_scanner_syn(scanners_->address(i), scanners_->traits(i), scan_port(), dst, false);
}

void Generator::make_arp() {
  std::uint8_t* p = put_ethernet(frame_, 0x0806, true);
  store16(p, 1);
  store16(p + 2, 0x0800);
  p[4] = 6;
  p[5] = 4;
  store16(p + 6, 1);  // who-has
  std::memcpy(p + 8, kRouterMac, 6);
  store32(p + 14, dark4_[0].base + darknet_gateway_offset);
  std::memset(p + 18, 0, 6);
  store32(p + 24, darknet_v4());
  frame_.len += 28;
}

void Generator::make_malformed() {
  const std::uint64_t i = skewed(scanner_pool_);
  const std::uint64_t traits = scanners_->traits(i);
  const std::uint32_t src = scanners_->address(i);
  const std::uint32_t what = rng_.below(4);
  if (what == 1) {
    make_udp(src, traits);
  } else if (what == 2) {
    make_icmp_echo(src, traits, false);
  } else {
    make_scanner_syn(src, traits, scan_port(), darknet_v4(), false);
  }
  // Cut the capture inside the fixed header: the IP header (what 0) or the transport's.
  const std::size_t l4_fixed = what == 1 || what == 2 ? 8 : 20;
  frame_.captured = what == 0 ? 14 + rng_.between(1, 19) : 14 + 20 + rng_.between(1, l4_fixed - 1);
}

void Generator::make_surge(std::int64_t ts_us) {
  const int day = static_cast<int>((ts_us - start_us_) / (86400LL * 1'000'000));
  if (day >= 0 && day < static_cast<int>(stats_.surge_per_day.size())) ++stats_.surge_per_day[day];
  if (surge_day_ >= 0 && day >= surge_day_) {
    // Many new sources, most of them Mirai variants that added the new exploit.
    const std::uint64_t pool = std::max<std::uint64_t>(opt_.packets / 4000, 200);
    const std::uint64_t i = rng_.next() % pool;
    if (rng_.below(10) < 8) {
      make_mirai(surge_bots_->address(i), surge_bots_->traits(i), opt_.surge_port, false);
      ++stats_.surge_mirai;
      return;
    }
    make_scanner_syn(surge_bots_->address(i), surge_bots_->traits(i), opt_.surge_port,
                     darknet_v4(), false);
    return;
  }
  // The quiet background: a handful of scanners that probe the port now and then.
  const std::uint64_t i = (1ULL << 41) + rng_.below(5);
  make_scanner_syn(scanners_->address(i), scanners_->traits(i), opt_.surge_port, darknet_v4(), false);
}

void Generator::make_episode(int e) {
  const EpisodeSpec& spec = kEpisodes[e];
  const std::uint32_t victim = episode_victim_[e];
  const std::uint32_t dst = darknet_v4();
  const std::uint64_t traits = mix64(victim);
  if (spec.style == EpisodeStyle::kTcp) {
    const std::uint32_t r = rng_.below(100);
    const double* mix = spec.synack_rst_rstack;
    const std::uint8_t flags = r < mix[0] ? (kSyn | kAck) : r < mix[0] + mix[1] ? kRst : (kRst | kAck);
    const std::uint16_t port =
        rng_.below(static_cast<std::uint32_t>(spec.port_weights[0] + spec.port_weights[1])) <
                spec.port_weights[0]
            ? spec.ports[0]
            : spec.ports[1];
    Ip4 ip{victim, dst, 0, static_cast<std::uint8_t>(64 - hops(traits, 8, 18)), 0, true};
    Tcp t;
    t.sport = port;
    t.dport = static_cast<std::uint16_t>(rng_.between(1024, 65535));
    t.seq = rng_.u32();
    t.ack = (flags & kAck) ? rng_.u32() : 0;
    t.flags = flags;
    std::uint8_t opts[20];
    if (flags == (kSyn | kAck)) {
      std::memcpy(opts, kOsProfiles[0].options, 20);
      store32(opts + 8, rng_.u32());
      store32(opts + 12, rng_.u32());
      t.window = 65160;
      t.options = opts;
      t.options_len = 20;
    }
    tcp4(ip, t, 0);
    return;
  }
  // ICMP errors quote the flood packet: spoofed darknet source, the victim as destination.
  std::uint8_t quoted[28];
  Ip4 q{dst, victim, rng_.u16(), static_cast<std::uint8_t>(rng_.between(1, 250)), 0, false};
  std::uint8_t type = 3;
  std::uint8_t code = 3;
  std::uint32_t outer_src = victim;
  if (spec.style == EpisodeStyle::kIcmpPortUnreachable) {
    q.protocol = kProtoUdp;
    put_ipv4(quoted, q, 8 + 64);
    store16(quoted + 20, rng_.u16());
    store16(quoted + 22, static_cast<std::uint16_t>(rng_.between(1024, 65535)));
    store16(quoted + 24, 8 + 64);
    store16(quoted + 26, rng_.u16());
  } else {
    // A router in front of the victim: host unreachable or TTL exceeded.
    outer_src = (victim & 0xffffff00u) | 1;
    if (rng_.below(2)) {
      type = 11;
      code = 0;
      q.ttl = 1;
    } else {
      code = 1;
    }
    q.protocol = kProtoTcp;
    q.df = true;
    put_ipv4(quoted, q, 20);
    store16(quoted + 20, static_cast<std::uint16_t>(rng_.between(1024, 65535)));
    store16(quoted + 22, spec.ports[0]);
    store32(quoted + 24, rng_.u32());
  }
  Ip4 ip{outer_src, dst, rng_.u16(), static_cast<std::uint8_t>(255 - hops(traits, 8, 18)), 0,
         false};
  icmp4(ip, type, code, 0, quoted, sizeof quoted, 0);
}

void Generator::make_background(SynthKind k) {
  switch (k) {
    case SynthKind::kResearch:
      make_research();
      break;
    case SynthKind::kMirai: {
      const std::uint64_t i = skewed(bot_pool_);
      const std::uint16_t dport = rng_.below(10) == 0 ? 2323 : 23;
      if (dport == 2323) ++stats_.mirai_2323;
      make_mirai(bots_->address(i), bots_->traits(i), dport, true);
      break;
    }
    case SynthKind::kScanner: {
      const std::uint64_t i = skewed(scanner_pool_);
      make_scanner_syn(scanners_->address(i), scanners_->traits(i), scan_port(), darknet_v4(), true);
      break;
    }
    case SynthKind::kZmap:
      make_zmap();
      break;
    case SynthKind::kMasscan:
      make_masscan();
      break;
    case SynthKind::kLargeScale:
      make_large_scale();
      break;
    case SynthKind::kUdpProbe: {
      const std::uint64_t i = skewed(scanner_pool_) + (4ULL << 40);
      make_udp(scanners_->address(i), scanners_->traits(i));
      break;
    }
    case SynthKind::kIcmpEcho: {
      const bool zmap = rng_.below(10) < 3;
      const std::uint64_t i = zmap ? skewed(tool_pool_) + (1ULL << 40) : skewed(scanner_pool_) + (5ULL << 40);
      make_icmp_echo(scanners_->address(i), scanners_->traits(i), zmap);
      break;
    }
    case SynthKind::kTcpOther:
      make_tcp_other();
      break;
    case SynthKind::kOtherProto:
      make_other_proto();
      break;
    case SynthKind::kIpv6:
      make_ipv6();
      break;
    case SynthKind::kOutside:
      make_outside();
      break;
    case SynthKind::kArp:
      make_arp();
      break;
    case SynthKind::kMalformed:
      make_malformed();
      break;
    default:
      break;
  }
}

void Generator::flush(std::FILE* out) {
  if (out_pos_ && std::fwrite(out_.data(), 1, out_pos_, out) != out_pos_) {
    throw std::runtime_error(std::string("synth: write failed: ") + std::strerror(errno));
  }
  stats_.bytes += out_pos_;
  out_pos_ = 0;
}

void Generator::emit(std::int64_t ts_us, SynthKind kind, std::FILE* out) {
  if (frame_.len < kMinFrame) {
    std::memset(frame_.bytes + frame_.len, 0, kMinFrame - frame_.len);
    frame_.len = kMinFrame;
  }
  const std::size_t incl = frame_.captured ? frame_.captured : frame_.len;
  if (out_pos_ + 16 + incl > out_.size()) flush(out);
  std::uint8_t* p = out_.data() + out_pos_;
  const std::int64_t sec = ts_us >= 0 ? ts_us / 1'000'000 : (ts_us - 999'999) / 1'000'000;
  store_le32(p, static_cast<std::uint32_t>(sec));
  store_le32(p + 4, static_cast<std::uint32_t>(ts_us - sec * 1'000'000));
  store_le32(p + 8, static_cast<std::uint32_t>(incl));
  store_le32(p + 12, static_cast<std::uint32_t>(frame_.len));
  std::memcpy(p + 16, frame_.bytes, incl);
  out_pos_ += 16 + incl;
  ++stats_.by_kind[static_cast<int>(kind)];
  ++stats_.packets;
  frame_.len = 0;
  frame_.captured = 0;
}

void Generator::run(std::FILE* out) {
  out_.resize(std::size_t{8} << 20);
  const std::uint64_t n = opt_.packets;
  const int days = opt_.days;
  start_us_ = opt_.start_ns / 1000 + (opt_.start_ns % 1000 > 0 ? 1 : 0);
  const std::int64_t day_us = 86400LL * 1'000'000;
  const std::int64_t window_us = days * day_us;

  // pcap global header: magic, version 2.4, thiszone, sigfigs, snaplen, LINKTYPE_ETHERNET.
  std::uint8_t* h = out_.data();
  store_le32(h, 0xa1b2c3d4);
  h[4] = 2;
  h[5] = 0;
  h[6] = 4;
  h[7] = 0;
  store_le32(h + 8, 0);
  store_le32(h + 12, 0);
  store_le32(h + 16, 262144);
  store_le32(h + 20, 1);
  out_pos_ = 24;

  // Fixed schedules: the port surge and the DoS episodes.
  std::vector<FixedStream> fixed;
  surge_day_ = opt_.surge_day < 0 ? -1 : std::min(opt_.surge_day, days - 1);
  stats_.surge_day = surge_day_;
  stats_.surge_per_day.assign(static_cast<std::size_t>(days), 0);
  {
    FixedStream s{StreamKind::kSurge};
    const double base = std::max(3.0, static_cast<double>(n) * 1.5e-6);
    for (int d = 0; d < days; ++d) {
      double count = base * (0.8 + 0.4 * static_cast<double>(mix64(opt_.seed + d) >> 40) / 16777216.0);
      std::int64_t from = d * day_us;
      if (surge_day_ >= 0 && d == surge_day_) {
        // The surge starts a few hours into its day and dwarfs the background.
        const std::int64_t quiet = 3LL * 3600 * 1'000'000;
        s.segments.push_back({start_us_ + from, quiet,
                              static_cast<std::uint64_t>(base * 0.125)});
        from += quiet;
        count = base * 40.0;
      } else if (surge_day_ >= 0 && d > surge_day_) {
        double level = 20.0;
        for (int k = surge_day_ + 1; k < d; ++k) level *= 0.8;
        count = base * std::max(level, 6.0);
      }
      s.segments.push_back({start_us_ + from, (d + 1) * day_us - from,
                            static_cast<std::uint64_t>(count)});
    }
    fixed.push_back(std::move(s));
  }
  for (int e = 0; e < kEpisodeCount; ++e) {
    const EpisodeSpec& spec = kEpisodes[e];
    FixedStream s{StreamKind::kEpisode, e};
    std::uint64_t count;
    if (spec.below_threshold) {
      if (n < 20000) continue;
      count = kBelowThresholdPackets;
    } else {
      const auto floor_count =
          static_cast<std::uint64_t>(kEpisodeMinRate * static_cast<double>(spec.duration_s)) + 1;
      count = std::max(static_cast<std::uint64_t>(static_cast<double>(n) * spec.share), floor_count);
    }
    const auto at = static_cast<std::int64_t>(spec.start_fraction * static_cast<double>(window_us));
    s.segments.push_back({start_us_ + at / 1'000'000 * 1'000'000, spec.duration_s * 1'000'000, count});
    episode_victim_[e] = IpAddress::parse(spec.victim)->v4_value();
    SynthEpisode info;
    info.victim = spec.victim;
    info.protocol = spec.style == EpisodeStyle::kTcp ? kProtoTcp : kProtoIcmp;
    s.info = stats_.episodes.size();
    stats_.episodes.push_back(info);
    fixed.push_back(std::move(s));
  }
  // Small captures: the fixed schedules may take at most 8% of the packets.
  std::uint64_t fixed_total = 0;
  for (auto& s : fixed) {
    for (const auto& seg : s.segments) fixed_total += seg.count;
  }
  const auto budget = static_cast<std::uint64_t>(static_cast<double>(n) * 0.08);
  if (fixed_total > budget) {
    const double f = fixed_total ? static_cast<double>(budget) / static_cast<double>(fixed_total) : 0;
    fixed_total = 0;
    for (auto& s : fixed) {
      for (auto& seg : s.segments) {
        seg.count = static_cast<std::uint64_t>(static_cast<double>(seg.count) * f);
        fixed_total += seg.count;
      }
    }
  }
  for (auto& s : fixed) {
    for (const auto& seg : s.segments) s.total += seg.count;
    s.advance(rng_);
  }
  const std::uint64_t background = n - fixed_total;
  stats_.background = background;

  // Background: exact per-second counts from the cumulative rhythm, so the file
  // has exactly `packets` records whatever the curve.
  const std::int64_t seconds = window_us / 1'000'000;
  const std::int64_t start_s = start_us_ / 1'000'000;
  double total_weight = 0;
  for (std::int64_t s = 0; s < seconds; ++s) total_weight += rhythm(start_s + s);
  double cum_weight = 0;
  std::uint64_t assigned = 0;
  std::int64_t second = -1;
  std::vector<std::uint32_t> offsets;
  std::size_t offset_pos = 0;
  std::int64_t main_next = LLONG_MAX;
  auto advance_main = [&] {
    while (offset_pos >= offsets.size()) {
      if (assigned >= background || second + 1 >= seconds) {
        main_next = LLONG_MAX;
        return;
      }
      ++second;
      cum_weight += rhythm(start_s + second);
      std::uint64_t target = static_cast<std::uint64_t>(
          std::llround(static_cast<double>(background) * (cum_weight / total_weight)));
      if (second + 1 == seconds) target = background;
      target = std::min(target, background);
      const std::uint64_t k = target > assigned ? target - assigned : 0;
      assigned += k;
      offsets.resize(k);
      for (auto& o : offsets) o = rng_.below(1'000'000);
      std::sort(offsets.begin(), offsets.end());
      offset_pos = 0;
    }
    main_next = start_us_ + second * 1'000'000 + offsets[offset_pos++];
  };
  advance_main();

  std::uint64_t written = 0;
  const std::uint64_t progress_every = std::uint64_t{1} << 20;
  for (;;) {
    std::int64_t best = main_next;
    int which = -1;
    for (std::size_t f = 0; f < fixed.size(); ++f) {
      if (fixed[f].next_us < best) {
        best = fixed[f].next_us;
        which = static_cast<int>(f);
      }
    }
    if (best == LLONG_MAX) break;
    if (which < 0) {
      const auto kind = static_cast<SynthKind>(kind_pick_.pick(rng_.u32()));
      make_background(kind);
      emit(best, kind, out);
      advance_main();
    } else {
      FixedStream& s = fixed[static_cast<std::size_t>(which)];
      if (s.kind == StreamKind::kSurge) {
        make_surge(best);
        emit(best, SynthKind::kSurge, out);
      } else {
        make_episode(s.episode);
        const bool icmp = kEpisodes[s.episode].style != EpisodeStyle::kTcp;
        emit(best, icmp ? SynthKind::kIcmpBackscatter : SynthKind::kTcpBackscatter, out);
        SynthEpisode& info = stats_.episodes[s.info];
        if (info.packets == 0) info.first_ns = best * 1000;
        info.last_ns = best * 1000;
        ++info.packets;
      }
      s.advance(rng_);
    }
    if (++written % progress_every == 0 && opt_.progress) opt_.progress(written);
  }
  flush(out);
}

}  // namespace

std::span<const ResearchRange> synth_research_ranges() noexcept { return kResearchRanges; }
std::span<const CountryBlock> synth_country_blocks() noexcept { return kCountryBlocks; }

SynthStats write_synthetic_capture(const SynthOptions& options, const std::string& path) {
  if (options.days < 1 || options.days > 3660) {
    throw std::invalid_argument("synth: --days must be between 1 and 3660");
  }
  SynthStats stats;
  Generator gen(options, stats);
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (!out) {
    throw std::runtime_error("synth: cannot open " + path + " for writing: " + std::strerror(errno));
  }
  try {
    gen.run(out);
  } catch (...) {
    std::fclose(out);
    throw;
  }
  if (std::fclose(out) != 0) {
    throw std::runtime_error("synth: cannot write " + path + ": " + std::strerror(errno));
  }
  if (options.progress) options.progress(stats.packets);
  return stats;
}

}  // namespace darkscope
