// Traffic for the live-capture tests: UDP datagrams sent over loopback, and the
// end of a capture process by SIGTERM, as an operator ends it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <string_view>

namespace darkscope::testing {

/// Sends one datagram per destination from one socket: `destination(i)` gives the
/// i-th IPv4 address (host order) and port. False when no socket could be opened.
template <class Destination>
bool send_udp(int count, std::string_view payload, Destination destination) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  for (int i = 0; i < count; ++i) {
    const auto [address, port] = destination(i);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(address);
    ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  ::close(fd);
  return true;
}

/// SIGTERM to `child`, then its wait status (-1 when it could not be waited for).
inline int terminate_and_wait(pid_t child) {
  ::kill(child, SIGTERM);
  int status = 0;
  return ::waitpid(child, &status, 0) == child ? status : -1;
}

}  // namespace darkscope::testing
