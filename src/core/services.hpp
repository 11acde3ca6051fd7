// Well-known service names for destination ports, as shown beside port rankings.
#pragma once

#include <cstdint>
#include <string_view>

namespace darkscope {

/// The usual service name of a TCP or UDP port ("telnet" for tcp/23), or "" when
/// there is none worth showing. protocol is 6 (TCP) or 17 (UDP).
[[nodiscard]] std::string_view service_name(std::uint8_t protocol, std::uint16_t port) noexcept;

}  // namespace darkscope
