#include "honeypot/download.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <openssl/evp.h>

namespace darkscope {

namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

bool forbidden_v4(std::uint32_t a) {
  static constexpr std::array<std::pair<std::uint32_t, int>, 16> kBlocked = {{
      {0x00000000, 8},   // "this" network
      {0x0a000000, 8},   // private
      {0x64400000, 10},  // carrier-grade NAT
      {0x7f000000, 8},   // loopback
      {0xa9fe0000, 16},  // link-local, cloud metadata 169.254.169.254
      {0xac100000, 12},  // private
      {0xc0000000, 24},  // IETF protocol assignments
      {0xc0000200, 24},  // documentation
      {0xc0586300, 24},  // 6to4 relay anycast
      {0xc0a80000, 16},  // private
      {0xc6120000, 15},  // benchmarking
      {0xc6336400, 24},  // documentation
      {0xcb007100, 24},  // documentation
      {0xe0000000, 4},   // multicast
      {0xf0000000, 4},   // reserved, broadcast
      {0x64400000, 10},
  }};
  return std::any_of(kBlocked.begin(), kBlocked.end(),
                     [a](const auto& p) { return in_v4(a, p.first, p.second); });
}

/// Reads "HTTP/1.x NNN" and the headers; returns header end offset or npos.
std::size_t header_end(const std::string& buf) { return buf.find("\r\n\r\n"); }

std::string header_value(std::string_view headers, std::string_view name) {
  const std::string lower_headers = lower(headers);
  const std::string key = "\r\n" + lower(name) + ":";
  const auto at = lower_headers.find(key);
  if (at == std::string::npos) return {};
  auto start = at + key.size();
  auto end = headers.find("\r\n", start);
  if (end == std::string_view::npos) end = headers.size();
  while (start < end && (headers[start] == ' ' || headers[start] == '\t')) ++start;
  return std::string(headers.substr(start, end - start));
}

bool decode_chunked(std::string_view in, std::string& out, std::size_t max_bytes) {
  out.clear();
  while (true) {
    const auto eol = in.find("\r\n");
    if (eol == std::string_view::npos) return false;
    std::size_t size = 0;
    const auto hex = in.substr(0, eol);
    const auto res = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
    if (res.ec != std::errc{}) return false;
    in.remove_prefix(eol + 2);
    if (size == 0) return true;
    if (size > in.size() || out.size() + size > max_bytes) return false;
    out.append(in.substr(0, size));
    in.remove_prefix(size);
    if (in.size() >= 2) in.remove_prefix(2);
  }
}

struct Resolved {
  std::optional<asio::ip::address> address;
  std::string error;
};

IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  const auto bytes = a.to_v6().to_bytes();
  return IpAddress::v6(bytes.data());
}

asio::awaitable<Resolved> resolve(asio::any_io_executor ex, const Url& url, bool allow_private) {
  Resolved r;
  asio::ip::tcp::resolver resolver(ex);
  auto [ec, results] = co_await resolver.async_resolve(url.host, std::to_string(url.port), kNoThrow);
  if (ec || results.empty()) {
    r.error = "bad address '" + url.host + "'";
    co_return r;
  }
  for (const auto& entry : results) {
    const auto addr = entry.endpoint().address();
    if (!allow_private && is_forbidden_download_address(to_ip(addr))) {
      r.error = "forbidden address " + addr.to_string();
      continue;
    }
    r.address = addr;
    r.error.clear();
    break;
  }
  co_return r;
}

asio::awaitable<FetchResult> http_get(asio::any_io_executor ex, Url url, FetchLimits limits,
                                      std::chrono::steady_clock::time_point deadline) {
  FetchResult result;
  for (int hop = 0; hop <= limits.max_redirects; ++hop) {
    if (url.scheme != "http") {
      result.error = "unsupported scheme " + url.scheme;
      co_return result;
    }
    const Resolved target = co_await resolve(ex, url, limits.allow_private);
    if (!target.address) {
      result.error = target.error;
      co_return result;
    }
    asio::ip::tcp::socket socket(ex);
    asio::steady_timer watchdog(ex);
    watchdog.expires_at(deadline);
    bool timed_out = false;
    watchdog.async_wait([&socket, &timed_out](const std::error_code& e) {
      if (!e) {
        timed_out = true;
        std::error_code ignored;
        socket.close(ignored);
      }
    });
    auto [cec] = co_await socket.async_connect({*target.address, url.port}, kNoThrow);
    if (cec) {
      watchdog.cancel();
      result.error = timed_out ? "download timed out" : "can't connect to remote host: " + cec.message();
      co_return result;
    }
    std::string request = "GET " + url.path + " HTTP/1.0\r\nHost: " + url.host;
    if (url.port != 80) request += ":" + std::to_string(url.port);
    request += "\r\nUser-Agent: Wget\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request), kNoThrow);
    (void)wn;
    std::string buf;
    const std::size_t cap = limits.max_bytes + 16 * 1024;  // body plus headers
    std::array<char, 16 * 1024> chunk{};
    bool too_big = false;
    while (!wec) {
      auto [rec, n] = co_await socket.async_read_some(asio::buffer(chunk), kNoThrow);
      buf.append(chunk.data(), n);
      if (buf.size() > cap) {
        too_big = true;
        break;
      }
      if (rec) break;
    }
    watchdog.cancel();
    if (timed_out) {
      result.error = "download timed out";
      co_return result;
    }
    if (too_big) {
      result.error = "download larger than the limit";
      co_return result;
    }
    const auto hend = header_end(buf);
    if (wec || hend == std::string::npos || buf.compare(0, 5, "HTTP/") != 0) {
      result.error = "server returned no valid HTTP response";
      co_return result;
    }
    const auto sp = buf.find(' ');
    int status = 0;
    if (sp != std::string::npos && sp + 4 <= buf.size()) {
      std::from_chars(buf.data() + sp + 1, buf.data() + sp + 4, status);
    }
    result.http_status = status;
    const std::string_view headers(buf.data(), hend);
    if (status >= 300 && status < 400) {
      const std::string location = header_value(headers, "Location");
      auto next = parse_url(location);
      if (!location.empty() && location.front() == '/') {
        next = url;
        next->path = location;
      }
      if (!next) {
        result.error = "bad redirect";
        co_return result;
      }
      url = *next;
      continue;
    }
    if (status != 200) {
      const auto eol = buf.find("\r\n");
      result.error = "server returned error: " + buf.substr(0, eol);
      co_return result;
    }
    std::string body = buf.substr(hend + 4);
    if (lower(header_value(headers, "Transfer-Encoding")) == "chunked") {
      std::string decoded;
      if (!decode_chunked(body, decoded, limits.max_bytes)) {
        result.error = "bad chunked encoding";
        co_return result;
      }
      body = std::move(decoded);
    }
    const std::string length = header_value(headers, "Content-Length");
    std::size_t expected = 0;
    if (!length.empty() &&
        std::from_chars(length.data(), length.data() + length.size(), expected).ec == std::errc{} &&
        expected < body.size()) {
      body.resize(expected);
    }
    if (body.size() > limits.max_bytes) {
      result.error = "download larger than the limit";
      co_return result;
    }
    result.ok = true;
    result.body = std::move(body);
    co_return result;
  }
  result.error = "too many redirects";
  co_return result;
}

// RFC 1350 read request in octet mode, one block in flight.
asio::awaitable<FetchResult> tftp_get(asio::any_io_executor ex, Url url, FetchLimits limits,
                                      std::chrono::steady_clock::time_point deadline) {
  FetchResult result;
  const Resolved target = co_await resolve(ex, url, limits.allow_private);
  if (!target.address) {
    result.error = target.error;
    co_return result;
  }
  asio::ip::udp::socket socket(ex);
  std::error_code ec;
  socket.open(target.address->is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), ec);
  if (ec) {
    result.error = "socket: " + ec.message();
    co_return result;
  }
  asio::steady_timer watchdog(ex);
  watchdog.expires_at(deadline);
  bool timed_out = false;
  watchdog.async_wait([&socket, &timed_out](const std::error_code& e) {
    if (!e) {
      timed_out = true;
      std::error_code ignored;
      socket.close(ignored);
    }
  });
  std::string file = url.path.substr(1);
  std::string rrq("\0\1", 2);
  rrq += file;
  rrq.push_back('\0');
  rrq += "octet";
  rrq.push_back('\0');
  asio::ip::udp::endpoint server(*target.address, url.port);
  co_await socket.async_send_to(asio::buffer(rrq), server, kNoThrow);
  std::array<std::uint8_t, 516> packet{};
  std::uint16_t expected_block = 1;
  std::optional<asio::ip::udp::endpoint> peer;
  while (true) {
    asio::ip::udp::endpoint from;
    auto [rec, n] = co_await socket.async_receive_from(asio::buffer(packet), from, kNoThrow);
    if (rec) {
      result.error = timed_out ? "download timed out" : "timeout";
      co_return result;
    }
    if (from.address() != server.address()) continue;
    if (peer && from != *peer) continue;
    peer = from;  // the server answers from a new port (its transfer id)
    if (n < 4) continue;
    const std::uint16_t opcode = static_cast<std::uint16_t>((packet[0] << 8) | packet[1]);
    const std::uint16_t block = static_cast<std::uint16_t>((packet[2] << 8) | packet[3]);
    if (opcode == 5) {
      result.error = "server error";
      watchdog.cancel();
      co_return result;
    }
    if (opcode != 3) continue;
    const std::array<std::uint8_t, 4> ack = {0, 4, packet[2], packet[3]};
    co_await socket.async_send_to(asio::buffer(ack), from, kNoThrow);
    if (block != expected_block) continue;
    ++expected_block;
    if (result.body.size() + (n - 4) > limits.max_bytes) {
      result.error = "download larger than the limit";
      watchdog.cancel();
      co_return result;
    }
    result.body.append(reinterpret_cast<const char*>(packet.data() + 4), n - 4);
    if (n < 516) break;
  }
  watchdog.cancel();
  result.ok = true;
  co_return result;
}

}  // namespace

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  std::string_view rest = text;
  if (scheme_end != std::string_view::npos) {
    url.scheme = lower(text.substr(0, scheme_end));
    rest = text.substr(scheme_end + 3);
  } else {
    url.scheme = "http";
  }
  if (url.scheme == "http") {
    url.port = 80;
  } else if (url.scheme == "https") {
    url.port = 443;
  } else if (url.scheme == "ftp") {
    url.port = 21;
  } else if (url.scheme == "tftp") {
    url.port = 69;
  } else {
    return std::nullopt;
  }
  const auto path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  url.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!url.path.empty() && url.path.front() != '/') url.path.insert(url.path.begin(), '/');
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty() || url.host.size() > 253) return std::nullopt;
  for (const char c : url.host) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == ':')) return std::nullopt;
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto res = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (res.ec != std::errc{} || res.ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  url.host = lower(url.host);
  return url;
}

bool is_forbidden_download_address(const IpAddress& a) noexcept {
  if (a.is_v4()) return forbidden_v4(a.v4_value());
  const auto& b = a.bytes;
  bool all_zero_head = true;
  for (int i = 0; i < 15; ++i) all_zero_head = all_zero_head && b[i] == 0;
  if (all_zero_head && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
  if ((b[0] & 0xfe) == 0xfc) return true;                         // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;         // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;         // fec0::/10 site-local
  if (b[0] == 0xff) return true;                                  // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
  // NAT64 (64:ff9b::/96) and IPv4-compatible forms carry an IPv4 address.
  const bool nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                     std::all_of(b.begin() + 4, b.begin() + 12, [](auto x) { return x == 0; });
  const bool compat = std::all_of(b.begin(), b.begin() + 12, [](auto x) { return x == 0; });
  if (nat64 || compat) {
    const std::uint32_t v4 = (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                             (std::uint32_t{b[14]} << 8) | b[15];
    return forbidden_v4(v4);
  }
  return false;
}

asio::awaitable<FetchResult> fetch_url(asio::any_io_executor executor, Url url, FetchLimits limits) {
  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  if (url.scheme == "tftp") co_return co_await tftp_get(executor, std::move(url), limits, deadline);
  co_return co_await http_get(executor, std::move(url), limits, deadline);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace darkscope
