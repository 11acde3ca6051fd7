#include "honeypot/store_sink.hpp"

#include "core/time.hpp"
#include "store/honeypot_events.hpp"

namespace darkscope {

namespace {
std::optional<std::string> text_field(const EventJson& e, const char* key) {
  const auto it = e.find(key);
  if (it == e.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}
}  // namespace

StoreEventSink::StoreEventSink(const std::string& db_path)
    : writer_(std::make_unique<HoneypotEventWriter>(db_path)) {}

StoreEventSink::~StoreEventSink() = default;

void StoreEventSink::write(const EventJson& e) {
  HoneypotEventRow row;
  const auto ts = text_field(e, "timestamp");
  row.ts_ns = ts ? parse_time(*ts).value_or(0) : 0;
  row.eventid = text_field(e, "eventid").value_or("");
  row.session = text_field(e, "session").value_or("");
  row.sensor = text_field(e, "sensor").value_or("");
  row.src = IpAddress::parse(text_field(e, "src_ip").value_or("")).value_or(IpAddress{});
  row.dst = IpAddress::parse(text_field(e, "dst_ip").value_or("")).value_or(IpAddress{});
  row.src_port = e.value("src_port", std::uint16_t{0});
  row.dst_port = e.value("dst_port", std::uint16_t{0});
  row.username = text_field(e, "username");
  row.password = text_field(e, "password");
  row.input = text_field(e, "input");
  row.url = text_field(e, "url");
  row.shasum = text_field(e, "shasum");
  row.outfile = text_field(e, "outfile");
  if (const auto it = e.find("duration"); it != e.end() && it->is_number()) row.duration = it->get<double>();
  row.json = e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  writer_->insert(row);
}

void StoreEventSink::flush() { writer_->commit(); }

}  // namespace darkscope
