// Server side of the telnet protocol (RFC 854/855): option negotiation and the
// data stream, as an incremental parser that never throws and holds O(1) state.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace darkscope {

namespace telnet {
inline constexpr std::uint8_t kSe = 240;
inline constexpr std::uint8_t kNop = 241;
inline constexpr std::uint8_t kSb = 250;
inline constexpr std::uint8_t kWill = 251;
inline constexpr std::uint8_t kWont = 252;
inline constexpr std::uint8_t kDo = 253;
inline constexpr std::uint8_t kDont = 254;
inline constexpr std::uint8_t kIac = 255;
inline constexpr std::uint8_t kOptEcho = 1;
inline constexpr std::uint8_t kOptSga = 3;
inline constexpr std::uint8_t kOptTtype = 24;
inline constexpr std::uint8_t kOptNaws = 31;
}  // namespace telnet

/// What busybox telnetd sends first (IAC DO ECHO, IAC DO NAWS, IAC WILL ECHO,
/// IAC WILL SGA): bots such as Mirai only go on when the first bytes are IAC.
[[nodiscard]] std::string_view telnet_server_greeting() noexcept;

/// Splits client bytes into application data and option negotiation, and writes
/// the server's answers. Data comes out with CR LF, CR NUL and a lone CR turned
/// into '\n' and NUL bytes dropped. Each option is refused at most once per
/// direction, so a negotiation flood cannot make the server talk without bound.
class TelnetParser {
 public:
  /// Appends data bytes to `data` and negotiation answers to `replies`.
  void feed(std::span<const std::uint8_t> input, std::string& data, std::string& replies);
  void feed(std::string_view input, std::string& data, std::string& replies) {
    feed(std::span(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), data,
         replies);
  }

  /// False once the client said DONT ECHO: the server must not echo input then.
  [[nodiscard]] bool echo_enabled() const noexcept { return echo_; }
  /// Window size from NAWS (0 until the client sent one).
  [[nodiscard]] std::uint16_t width() const noexcept { return width_; }
  [[nodiscard]] std::uint16_t height() const noexcept { return height_; }
  /// Terminal type from TTYPE IS (empty until sent).
  [[nodiscard]] const std::string& terminal_type() const noexcept { return ttype_; }
  /// Negotiation commands received (DO/DONT/WILL/WONT/SB).
  [[nodiscard]] std::uint64_t commands() const noexcept { return commands_; }
  /// Subnegotiations longer than the buffer (truncated, not an error).
  [[nodiscard]] std::uint64_t oversized_subnegotiations() const noexcept { return oversized_; }

  /// Longest subnegotiation kept; longer ones are cut.
  static constexpr std::size_t kMaxSubnegotiation = 64;

 private:
  enum class State : std::uint8_t { Data, Iac, Will, Wont, Do, Dont, Sb, SbIac };
  void on_option(std::uint8_t verb, std::uint8_t option, std::string& replies);
  void on_subnegotiation();

  State state_ = State::Data;
  bool last_cr_ = false;
  bool echo_ = true;
  std::uint16_t width_ = 0;
  std::uint16_t height_ = 0;
  std::uint8_t sb_len_ = 0;
  std::uint8_t sb_[kMaxSubnegotiation]{};
  std::bitset<256> refused_do_;
  std::bitset<256> refused_will_;
  std::string ttype_;
  std::uint64_t commands_ = 0;
  std::uint64_t oversized_ = 0;
};

}  // namespace darkscope
