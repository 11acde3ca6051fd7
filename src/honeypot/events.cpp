#include "honeypot/events.hpp"

#include <cstdio>
#include <stdexcept>

#include "core/time.hpp"

namespace darkscope {

JsonlEventSink::JsonlEventSink(const std::string& path) {
  file_ = std::fopen(path.c_str(), "ae");
  if (file_ == nullptr) throw std::runtime_error("cannot open event log " + path + " for appending");
}

JsonlEventSink::~JsonlEventSink() {
  if (file_ != nullptr) std::fclose(file_);
}

void JsonlEventSink::write(const EventJson& event) {
  // Invalid UTF-8 from bots is replaced, never a reason to lose the event.
  const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
}

void JsonlEventSink::flush() { std::fflush(file_); }

std::string cowrie_timestamp(std::int64_t ns) {
  const std::int64_t seconds_ns = floor_to(ns, kNsPerSecond);
  std::string text = format_iso8601(seconds_ns);
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  char frac[32];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>((ns - seconds_ns) / 1000));
  return text + frac;
}

std::string address_text(const IpAddress& a) { return a.to_string(); }

EventJson make_event(std::string_view eventid, std::int64_t ns, std::string_view sensor,
                     const SessionEndpoints& e) {
  EventJson j;
  j["eventid"] = eventid;
  j["timestamp"] = cowrie_timestamp(ns);
  j["session"] = e.session;
  j["src_ip"] = address_text(e.src);
  j["src_port"] = e.src_port;
  j["dst_ip"] = address_text(e.dst);
  j["dst_port"] = e.dst_port;
  j["sensor"] = sensor;
  return j;
}

std::string session_id_from(std::uint64_t bits) {
  char buf[13];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(bits & 0xffffffffffffULL));
  return buf;
}

}  // namespace darkscope
