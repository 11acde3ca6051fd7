// The honeypot's events in the store (table honeypot_events), so that reports can
// join honeypot sources with darknet sources by address (src is stored in the same
// 4/16-byte form as source_days.src).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {

/// One Cowrie-style event; optional fields are NULL when the event has none.
struct HoneypotEventRow {
  std::int64_t ts_ns = 0;
  std::string eventid;  ///< "cowrie.login.success", ...
  std::string session;
  std::string sensor;
  IpAddress src;
  std::uint16_t src_port = 0;
  IpAddress dst;
  std::uint16_t dst_port = 0;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> input;
  std::optional<std::string> url;
  std::optional<std::string> shasum;
  std::optional<std::string> outfile;
  std::optional<double> duration;
  std::string json;  ///< the whole event as logged
};

/// Address bytes as the store keeps them: 4 bytes for IPv4, 16 for IPv6.
[[nodiscard]] std::string store_address_bytes(const IpAddress& a);
[[nodiscard]] IpAddress address_from_store_bytes(const std::string& bytes);

/// Appends events in batches: rows go into one open transaction that commit()
/// closes (the honeypot commits about once a second). Opens or creates the
/// database and applies the schema at construction; throws StoreError.
class HoneypotEventWriter {
 public:
  explicit HoneypotEventWriter(const std::string& path);
  ~HoneypotEventWriter();
  HoneypotEventWriter(const HoneypotEventWriter&) = delete;
  HoneypotEventWriter& operator=(const HoneypotEventWriter&) = delete;

  void insert(const HoneypotEventRow& row);
  void commit();

 private:
  Database db_;
  Statement insert_;
  bool in_transaction_ = false;
};

/// Every stored honeypot event with from_ns <= ts < to_ns, oldest first (read-only).
[[nodiscard]] std::vector<HoneypotEventRow> read_honeypot_events(
    const std::string& path, std::optional<std::int64_t> from_ns = std::nullopt,
    std::optional<std::int64_t> to_ns = std::nullopt);

}  // namespace darkscope
