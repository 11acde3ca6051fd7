// URLs named by bots and the guarded fetch of their payloads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "core/ip_address.hpp"

namespace darkscope {

/// A parsed http/https/ftp/tftp URL (userinfo dropped, port filled from the scheme).
struct Url {
  std::string scheme;  ///< lower case
  std::string host;    ///< without brackets for IPv6
  std::uint16_t port = 0;
  std::string path;    ///< starts with '/'
};

/// Parses "scheme://host[:port]/path"; a URL without scheme is taken as http
/// (busybox wget does the same). nullopt when it is not a URL.
[[nodiscard]] std::optional<Url> parse_url(std::string_view text);

/// True for addresses a download must never reach unless the operator allows it:
/// unspecified, loopback, private (RFC 1918, ULA), CGN, link-local (and so the
/// 169.254.169.254 cloud metadata service), multicast, reserved, documentation,
/// IPv4-mapped/NAT64 forms of those.
[[nodiscard]] bool is_forbidden_download_address(const IpAddress& a) noexcept;

/// What a shell command asks to fetch.
struct FetchRequest {
  std::string url;  ///< as the bot wrote it
  Url parsed;
  std::string tool;  ///< "wget", "curl", "tftp"
};

/// Outcome of a fetch; body is empty unless ok.
struct FetchResult {
  bool ok = false;
  std::string body;
  std::string error;   ///< busybox-style reason when !ok ("Connection refused", ...)
  int http_status = 0;
};

struct FetchLimits {
  std::size_t max_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds timeout{30'000};  ///< whole transfer
  bool allow_private = false;
  int max_redirects = 3;
};

/// HTTP/1.0 GET (http only; https is not supported) or TFTP read request, bounded
/// by size and time, refusing forbidden addresses after name resolution (each
/// redirect is checked again). Never throws.
[[nodiscard]] asio::awaitable<FetchResult> fetch_url(asio::any_io_executor executor, Url url,
                                                      FetchLimits limits);

/// Lower-case hex SHA-256 of the bytes.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace darkscope
