// Mirai's default telnet credentials and the login policy built on them.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace darkscope {

/// One row of Mirai's scanner table (scanner.c add_auth_entry): the bot picks a
/// row at random with probability weight / total weight.
struct MiraiCredential {
  std::string_view username;
  std::string_view password;
  int weight;
};

/// The 62 rows in source order (61 distinct pairs: guest/12345 is listed twice;
/// weights sum to 152).
[[nodiscard]] std::span<const MiraiCredential> mirai_credentials() noexcept;

/// Which username/password pairs the emulated device accepts.
class CredentialPolicy {
 public:
  /// Accepts exactly Mirai's pairs (the default).
  CredentialPolicy();
  /// Accepts the given pairs; with accept_after > 0 also any pair once a connection
  /// has failed that many times (so brute forcers always get in eventually).
  CredentialPolicy(std::vector<std::pair<std::string, std::string>> pairs, int accept_after);

  /// Adds Mirai's pairs to the accepted list.
  void add_mirai_pairs();
  /// Parses "user:password" lines (a file's text); blank lines and # comments skipped.
  void add_pairs_text(std::string_view text);
  void set_accept_after(int failures) noexcept { accept_after_ = failures; }

  /// failures_so_far: failed attempts earlier on the same connection.
  [[nodiscard]] bool accepts(std::string_view user, std::string_view password,
                             int failures_so_far) const;
  [[nodiscard]] std::size_t size() const noexcept { return pairs_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;  // sorted, unique
  int accept_after_ = 0;
};

}  // namespace darkscope
