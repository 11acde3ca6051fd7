#include "core/ip_address.hpp"

#include <arpa/inet.h>

namespace darkscope {

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  std::uint8_t raw[16] = {};
  if (inet_pton(AF_INET, buf, raw) == 1) {
    return IpAddress::v4((std::uint32_t{raw[0]} << 24) | (std::uint32_t{raw[1]} << 16) |
                         (std::uint32_t{raw[2]} << 8) | std::uint32_t{raw[3]});
  }
  if (inet_pton(AF_INET6, buf, raw) == 1) return IpAddress::v6(raw);
  return std::nullopt;
}

}  // namespace darkscope
