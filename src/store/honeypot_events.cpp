#include "store/honeypot_events.hpp"

#include <limits>

#include "store/schema.hpp"

namespace darkscope {

namespace {
constexpr const char* kInsert =
    "INSERT INTO honeypot_events(ts_ns, eventid, session, sensor, src, src_port, dst, dst_port,"
    " username, password, input, url, shasum, outfile, duration, json)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

void bind_optional(Statement& s, int i, const std::optional<std::string>& v) {
  if (v) {
    s.bind(i, std::string_view(*v));
  } else {
    s.bind_null(i);
  }
}

}  // namespace

std::string store_address_bytes(const IpAddress& a) {
  if (a.is_v4()) return std::string(reinterpret_cast<const char*>(a.bytes.data() + 12), 4);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 16);
}

IpAddress address_from_store_bytes(const std::string& bytes) {
  if (bytes.size() == 4) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    return IpAddress::v4((std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                         (std::uint32_t{b[2]} << 8) | b[3]);
  }
  if (bytes.size() == 16) return IpAddress::v6(reinterpret_cast<const std::uint8_t*>(bytes.data()));
  return IpAddress{};
}

HoneypotEventWriter::HoneypotEventWriter(const std::string& path)
    : db_(path, Database::Mode::kReadWrite),
      // WAL: its files are created now, so the honeypot can go on writing after it
      // has dropped root (a rollback journal would be created next to the database).
      insert_((db_.exec("PRAGMA journal_mode=WAL"), prepare_schema(db_, true), db_.prepare(kInsert))) {}

HoneypotEventWriter::~HoneypotEventWriter() {
  try {
    commit();
  } catch (...) {
    // Destructors must not throw; the last batch is lost only if the disk failed.
  }
}

void HoneypotEventWriter::insert(const HoneypotEventRow& row) {
  if (!in_transaction_) {
    db_.exec("BEGIN IMMEDIATE");
    in_transaction_ = true;
  }
  const std::string src = store_address_bytes(row.src);
  const std::string dst = store_address_bytes(row.dst);
  insert_.bind(1, row.ts_ns)
      .bind(2, std::string_view(row.eventid))
      .bind(3, std::string_view(row.session))
      .bind(4, std::string_view(row.sensor))
      .bind_blob(5, src.data(), static_cast<int>(src.size()))
      .bind(6, std::int64_t{row.src_port})
      .bind_blob(7, dst.data(), static_cast<int>(dst.size()))
      .bind(8, std::int64_t{row.dst_port});
  bind_optional(insert_, 9, row.username);
  bind_optional(insert_, 10, row.password);
  bind_optional(insert_, 11, row.input);
  bind_optional(insert_, 12, row.url);
  bind_optional(insert_, 13, row.shasum);
  bind_optional(insert_, 14, row.outfile);
  if (row.duration) {
    insert_.bind(15, *row.duration);
  } else {
    insert_.bind_null(15);
  }
  insert_.bind(16, std::string_view(row.json));
  insert_.run();
}

void HoneypotEventWriter::commit() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  db_.exec("COMMIT");
}

std::vector<HoneypotEventRow> read_honeypot_events(const std::string& path,
                                                   std::optional<std::int64_t> from_ns,
                                                   std::optional<std::int64_t> to_ns) {
  Database db(path, Database::Mode::kReadOnly);
  prepare_schema(db, false);
  Statement q = db.prepare(
      "SELECT ts_ns, eventid, session, sensor, src, src_port, dst, dst_port, username, password,"
      " input, url, shasum, outfile, duration, json FROM honeypot_events"
      " WHERE ts_ns >= ? AND ts_ns < ? ORDER BY ts_ns, id");
  q.bind(1, from_ns.value_or(std::numeric_limits<std::int64_t>::min()));
  q.bind(2, to_ns.value_or(std::numeric_limits<std::int64_t>::max()));
  std::vector<HoneypotEventRow> rows;
  auto optional_text = [&q](int i) -> std::optional<std::string> {
    if (q.column_is_null(i)) return std::nullopt;
    return q.column_text(i);
  };
  while (q.step()) {
    HoneypotEventRow r;
    r.ts_ns = q.column_int(0);
    r.eventid = q.column_text(1);
    r.session = q.column_text(2);
    r.sensor = q.column_text(3);
    r.src = address_from_store_bytes(q.column_blob(4));
    r.src_port = static_cast<std::uint16_t>(q.column_int(5));
    r.dst = address_from_store_bytes(q.column_blob(6));
    r.dst_port = static_cast<std::uint16_t>(q.column_int(7));
    r.username = optional_text(8);
    r.password = optional_text(9);
    r.input = optional_text(10);
    r.url = optional_text(11);
    r.shasum = optional_text(12);
    r.outfile = optional_text(13);
    if (!q.column_is_null(14)) r.duration = q.column_double(14);
    r.json = q.column_text(15);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace darkscope
