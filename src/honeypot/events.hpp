// Honeypot events in Cowrie's JSON form, and where they go.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ip_address.hpp"

namespace darkscope {

using EventJson = nlohmann::ordered_json;

/// Receives every event; called on the server thread only.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void write(const EventJson& event) = 0;
  /// Makes everything written so far durable (called about once a second and at the end).
  virtual void flush() {}
};

/// One JSON object per line, as Cowrie's cowrie.json. The file is opened at
/// construction (before privileges are dropped); throws when it cannot be opened.
class JsonlEventSink final : public EventSink {
 public:
  explicit JsonlEventSink(const std::string& path);
  ~JsonlEventSink() override;
  JsonlEventSink(const JsonlEventSink&) = delete;
  JsonlEventSink& operator=(const JsonlEventSink&) = delete;
  void write(const EventJson& event) override;
  void flush() override;

 private:
  std::FILE* file_ = nullptr;
};

/// Keeps events in memory (tests).
class MemoryEventSink final : public EventSink {
 public:
  void write(const EventJson& event) override { events.push_back(event); }
  std::vector<EventJson> events;
};

/// "2026-11-22T04:25:18.123456Z": Cowrie's timestamp form (always microseconds).
[[nodiscard]] std::string cowrie_timestamp(std::int64_t ns);

/// The connection a session belongs to.
struct SessionEndpoints {
  std::string session;  ///< 12 lower-case hex digits
  IpAddress src;
  std::uint16_t src_port = 0;
  IpAddress dst;
  std::uint16_t dst_port = 0;
};

/// Fields common to every event: eventid, timestamp, session, src/dst, sensor.
[[nodiscard]] EventJson make_event(std::string_view eventid, std::int64_t ns, std::string_view sensor,
                                   const SessionEndpoints& endpoints);

/// 12 hex digits from the low 48 bits (Cowrie's session id form).
[[nodiscard]] std::string session_id_from(std::uint64_t random_bits);

/// The text form of an address as Cowrie writes it (IPv4-mapped shown as IPv4).
[[nodiscard]] std::string address_text(const IpAddress& a);

}  // namespace darkscope
