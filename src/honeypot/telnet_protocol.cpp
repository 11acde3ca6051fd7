#include "honeypot/telnet_protocol.hpp"

namespace darkscope {

namespace {
constexpr char kGreeting[] = {
    static_cast<char>(telnet::kIac), static_cast<char>(telnet::kDo),   telnet::kOptEcho,
    static_cast<char>(telnet::kIac), static_cast<char>(telnet::kDo),   telnet::kOptNaws,
    static_cast<char>(telnet::kIac), static_cast<char>(telnet::kWill), telnet::kOptEcho,
    static_cast<char>(telnet::kIac), static_cast<char>(telnet::kWill), telnet::kOptSga,
};

void put_command(std::string& out, std::uint8_t verb, std::uint8_t option) {
  out.push_back(static_cast<char>(telnet::kIac));
  out.push_back(static_cast<char>(verb));
  out.push_back(static_cast<char>(option));
}
}  // namespace

std::string_view telnet_server_greeting() noexcept { return {kGreeting, sizeof kGreeting}; }

void TelnetParser::feed(std::span<const std::uint8_t> input, std::string& data,
                        std::string& replies) {
  for (const std::uint8_t b : input) {
    switch (state_) {
      case State::Data:
        if (b == telnet::kIac) {
          state_ = State::Iac;
        } else if (b == '\r') {
          data.push_back('\n');
          last_cr_ = true;
        } else if (b == '\n' || b == 0) {
          // The LF of CR LF and the NUL of CR NUL belong to the CR already turned
          // into a newline; other NULs (Mirai sends them after commands) are noise.
          if (b == '\n' && !last_cr_) data.push_back('\n');
          last_cr_ = false;
        } else {
          data.push_back(static_cast<char>(b));
          last_cr_ = false;
        }
        break;
      case State::Iac:
        switch (b) {
          case telnet::kIac:  // escaped 255 data byte
            data.push_back(static_cast<char>(b));
            last_cr_ = false;
            state_ = State::Data;
            break;
          case telnet::kWill: state_ = State::Will; break;
          case telnet::kWont: state_ = State::Wont; break;
          case telnet::kDo: state_ = State::Do; break;
          case telnet::kDont: state_ = State::Dont; break;
          case telnet::kSb:
            sb_len_ = 0;
            state_ = State::Sb;
            break;
          default:  // NOP, GA, AYT, IP, ... carry no state for us
            ++commands_;
            state_ = State::Data;
            break;
        }
        break;
      case State::Will:
      case State::Wont:
      case State::Do:
      case State::Dont: {
        const std::uint8_t verb = state_ == State::Will   ? telnet::kWill
                                  : state_ == State::Wont ? telnet::kWont
                                  : state_ == State::Do   ? telnet::kDo
                                                          : telnet::kDont;
        state_ = State::Data;
        on_option(verb, b, replies);
        break;
      }
      case State::Sb:
        if (b == telnet::kIac) {
          state_ = State::SbIac;
        } else if (sb_len_ < kMaxSubnegotiation) {
          sb_[sb_len_++] = b;
        } else if (sb_len_ == kMaxSubnegotiation) {
          ++oversized_;
          ++sb_len_;  // count once; later bytes are dropped
        }
        break;
      case State::SbIac:
        if (b == telnet::kSe) {
          on_subnegotiation();
          state_ = State::Data;
        } else {
          // IAC IAC inside SB is a data 255; anything else ends a malformed SB.
          if (b == telnet::kIac && sb_len_ < kMaxSubnegotiation) sb_[sb_len_++] = b;
          state_ = b == telnet::kIac ? State::Sb : State::Data;
        }
        break;
    }
  }
}

void TelnetParser::on_option(std::uint8_t verb, std::uint8_t option, std::string& replies) {
  ++commands_;
  switch (verb) {
    case telnet::kDo:
      // We offered ECHO and SGA; everything else we will not do (refused once).
      if (option == telnet::kOptEcho) {
        echo_ = true;
      } else if (option != telnet::kOptSga && !refused_do_.test(option)) {
        refused_do_.set(option);
        put_command(replies, telnet::kWont, option);
      }
      break;
    case telnet::kDont:
      if (option == telnet::kOptEcho) echo_ = false;
      break;
    case telnet::kWill:
      // We asked for ECHO (and are refused by bots) and NAWS; TTYPE is welcome.
      if (option == telnet::kOptTtype && !refused_will_.test(option)) {
        refused_will_.set(option);
        replies.push_back(static_cast<char>(telnet::kIac));
        replies.push_back(static_cast<char>(telnet::kSb));
        replies.push_back(static_cast<char>(telnet::kOptTtype));
        replies.push_back(1);  // SEND
        replies.push_back(static_cast<char>(telnet::kIac));
        replies.push_back(static_cast<char>(telnet::kSe));
      } else if (option != telnet::kOptNaws && option != telnet::kOptEcho &&
                 !refused_will_.test(option)) {
        refused_will_.set(option);
        put_command(replies, telnet::kDont, option);
      }
      break;
    default:  // WONT: nothing to answer
      break;
  }
}

void TelnetParser::on_subnegotiation() {
  ++commands_;
  const std::size_t len = sb_len_ > kMaxSubnegotiation ? kMaxSubnegotiation : sb_len_;
  if (len == 0) return;
  if (sb_[0] == telnet::kOptNaws && len >= 5) {
    width_ = static_cast<std::uint16_t>((sb_[1] << 8) | sb_[2]);
    height_ = static_cast<std::uint16_t>((sb_[3] << 8) | sb_[4]);
  } else if (sb_[0] == telnet::kOptTtype && len >= 2 && sb_[1] == 0) {  // IS
    ttype_.assign(reinterpret_cast<const char*>(sb_ + 2), len - 2);
  }
}

}  // namespace darkscope
