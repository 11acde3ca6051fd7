#include "report/ranking.hpp"

#include <algorithm>
#include <charconv>

namespace darkscope {

std::optional<ParsedPortKey> parse_port_key(const std::string& key) {
  if (key == "icmp") return ParsedPortKey{"icmp", 1, 0};
  const auto slash = key.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const std::string proto = key.substr(0, slash);
  std::uint8_t protocol = 0;
  if (proto == "tcp") {
    protocol = 6;
  } else if (proto == "udp") {
    protocol = 17;
  } else {
    return std::nullopt;
  }
  unsigned port = 0;
  const char* first = key.data() + slash + 1;
  const char* last = key.data() + key.size();
  const auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc{} || ptr != last || first == last || port > 65535) return std::nullopt;
  return ParsedPortKey{proto, protocol, static_cast<std::uint16_t>(port)};
}

bool ranks_before(const KeyCount& a, const KeyCount& b) {
  if (a.packets != b.packets) return a.packets > b.packets;
  const auto pa = parse_port_key(a.key);
  const auto pb = parse_port_key(b.key);
  if (pa && pb) {
    if (pa->protocol != pb->protocol) return pa->protocol < pb->protocol;
    return pa->port < pb->port;
  }
  return a.key < b.key;
}

std::vector<KeyCount> rank(std::vector<KeyCount> rows) {
  std::erase_if(rows, [](const KeyCount& r) { return r.packets == 0; });
  std::sort(rows.begin(), rows.end(), ranks_before);
  return rows;
}

std::optional<int> rank_of(const std::vector<KeyCount>& ranked, const std::string& key) {
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    if (ranked[i].key == key) return static_cast<int>(i + 1);
  }
  return std::nullopt;
}

std::vector<std::optional<double>> moving_average_7d(const std::vector<std::uint64_t>& values,
                                                     const std::vector<std::uint64_t>& lead_in) {
  const std::size_t lead = std::min<std::size_t>(lead_in.size(), 6);
  std::vector<std::uint64_t> all(lead_in.end() - static_cast<std::ptrdiff_t>(lead), lead_in.end());
  all.insert(all.end(), values.begin(), values.end());
  std::vector<std::optional<double>> out(values.size());
  std::uint64_t window = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    window += all[i];
    if (i >= 7) window -= all[i - 7];
    if (i >= 6 && i >= lead) out[i - lead] = static_cast<double>(window) / 7.0;
  }
  return out;
}

}  // namespace darkscope
