#include "honeypot/credentials.hpp"

#include <algorithm>
#include <array>

namespace darkscope {

namespace {
// Order and weights as in Mirai's bot/scanner.c (the strings there are XOR-obfuscated
// with 0x22; these are the decoded values).
constexpr std::array<MiraiCredential, 62> kMirai = {{
    {"root", "xc3511", 10},
    {"root", "vizxv", 9},
    {"root", "admin", 8},
    {"admin", "admin", 7},
    {"root", "888888", 6},
    {"root", "xmhdipc", 5},
    {"root", "default", 5},
    {"root", "juantech", 5},
    {"root", "123456", 5},
    {"root", "54321", 5},
    {"support", "support", 5},
    {"root", "", 4},
    {"admin", "password", 4},
    {"root", "root", 4},
    {"root", "12345", 4},
    {"user", "user", 3},
    {"admin", "", 3},
    {"root", "pass", 3},
    {"admin", "admin1234", 3},
    {"root", "1111", 3},
    {"admin", "smcadmin", 3},
    {"admin", "1111", 2},
    {"root", "666666", 2},
    {"root", "password", 2},
    {"root", "1234", 2},
    {"root", "klv123", 1},
    {"Administrator", "admin", 1},
    {"service", "service", 1},
    {"supervisor", "supervisor", 1},
    {"guest", "guest", 1},
    {"guest", "12345", 1},
    {"guest", "12345", 1},
    {"admin1", "password", 1},
    {"administrator", "1234", 1},
    {"666666", "666666", 1},
    {"888888", "888888", 1},
    {"ubnt", "ubnt", 1},
    {"root", "klv1234", 1},
    {"root", "Zte521", 1},
    {"root", "hi3518", 1},
    {"root", "jvbzd", 1},
    {"root", "anko", 4},
    {"root", "zlxx.", 1},
    {"root", "7ujMko0vizxv", 1},
    {"root", "7ujMko0admin", 1},
    {"root", "system", 1},
    {"root", "ikwb", 1},
    {"root", "dreambox", 1},
    {"root", "user", 1},
    {"root", "realtek", 1},
    {"root", "00000000", 1},
    {"admin", "1111111", 1},
    {"admin", "1234", 1},
    {"admin", "12345", 1},
    {"admin", "54321", 1},
    {"admin", "123456", 1},
    {"admin", "7ujMko0admin", 1},
    {"admin", "4321", 1},
    {"admin", "pass", 1},
    {"admin", "meinsm", 1},
    {"tech", "tech", 1},
    {"mother", "fucker", 1},
}};
}  // namespace

std::span<const MiraiCredential> mirai_credentials() noexcept { return kMirai; }

CredentialPolicy::CredentialPolicy() { add_mirai_pairs(); }

CredentialPolicy::CredentialPolicy(std::vector<std::pair<std::string, std::string>> pairs,
                                   int accept_after)
    : pairs_(std::move(pairs)), accept_after_(accept_after) {
  std::sort(pairs_.begin(), pairs_.end());
  pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
}

void CredentialPolicy::add_mirai_pairs() {
  for (const auto& c : kMirai) pairs_.emplace_back(std::string(c.username), std::string(c.password));
  std::sort(pairs_.begin(), pairs_.end());
  pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
}

void CredentialPolicy::add_pairs_text(std::string_view text) {
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    pairs_.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  std::sort(pairs_.begin(), pairs_.end());
  pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
}

bool CredentialPolicy::accepts(std::string_view user, std::string_view password,
                               int failures_so_far) const {
  if (accept_after_ > 0 && failures_so_far >= accept_after_) return true;
  const auto it = std::lower_bound(
      pairs_.begin(), pairs_.end(), std::pair<std::string_view, std::string_view>{user, password},
      [](const auto& a, const auto& b) {
        const std::string_view af = a.first, bf = b.first;
        if (af != bf) return af < bf;
        return std::string_view(a.second) < std::string_view(b.second);
      });
  return it != pairs_.end() && it->first == user && it->second == password;
}

}  // namespace darkscope
