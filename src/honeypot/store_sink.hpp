// Honeypot events into the SQLite store (table honeypot_events).
#pragma once

#include <memory>
#include <string>

#include "honeypot/events.hpp"

namespace darkscope {

class HoneypotEventWriter;

/// Writes each event as a row; rows are committed on flush() (about once a second).
/// Opens the database at construction (before privileges are dropped).
class StoreEventSink final : public EventSink {
 public:
  explicit StoreEventSink(const std::string& db_path);
  ~StoreEventSink() override;
  void write(const EventJson& event) override;
  void flush() override;

 private:
  std::unique_ptr<HoneypotEventWriter> writer_;
};

}  // namespace darkscope
