#include "analyze/port_key.hpp"

#include <charconv>

namespace darkscope {

std::string PortKey::text() const {
  if (protocol == kProtoIcmp) return "icmp";
  return std::string(protocol_name()) + "/" + std::to_string(port);
}

const char* PortKey::protocol_name() const noexcept {
  switch (protocol) {
    case kProtoTcp:
      return "tcp";
    case kProtoUdp:
      return "udp";
    default:
      return "icmp";
  }
}

std::optional<PortKey> PortKey::parse(const std::string& text) {
  if (text == "icmp") return PortKey{kProtoIcmp, 0};
  std::uint8_t proto = 0;
  std::string_view rest;
  if (text.rfind("tcp/", 0) == 0) {
    proto = kProtoTcp;
  } else if (text.rfind("udp/", 0) == 0) {
    proto = kProtoUdp;
  } else {
    return std::nullopt;
  }
  rest = std::string_view(text).substr(4);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
  if (rest.empty() || ec != std::errc{} || ptr != rest.data() + rest.size() || port > 65535) {
    return std::nullopt;
  }
  return PortKey{proto, static_cast<std::uint16_t>(port)};
}

}  // namespace darkscope
