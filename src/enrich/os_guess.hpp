// A passive guess of the sender's TCP/IP stack from one SYN, after p0f's idea:
// initial TTL (the observed TTL rounded up to 64, 128 or 255) and the TCP option
// layout are stack defaults that scanners built on the OS stack keep.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/packet_record.hpp"

namespace darkscope {

/// Values of PacketRecord::os_guess.
enum OsGuess : std::uint8_t {
  kOsNone = 0,
  kOsLinux = 1,     ///< TTL 64; MSS,SACK,TS,NOP,WS or MSS,NOP,NOP,SACK,NOP,WS
  kOsWindows = 2,   ///< TTL 128; MSS,NOP,WS,NOP,NOP,SACK[,..] or MSS,NOP,NOP,SACK
  kOsBsdMacos = 3,  ///< TTL 64; MSS,NOP,WS,NOP,NOP,TS,SACK,EOL (macOS) or MSS,NOP,WS,SACK,TS (FreeBSD)
  kOsEmbedded = 4,  ///< TTL 64; MSS only and window <= 5840 (busybox-era Linux 2.4 devices)
};
inline constexpr int kOsGuessCount = 5;

/// The guess for a SYN (SYN set, ACK clear); kOsNone for anything else or no match.
[[nodiscard]] std::uint8_t guess_os(const PacketRecord& r) noexcept;
/// "linux", "windows", "bsd-macos", "embedded"; "" for kOsNone or unknown values.
[[nodiscard]] std::string_view os_guess_name(std::uint8_t os) noexcept;

}  // namespace darkscope
