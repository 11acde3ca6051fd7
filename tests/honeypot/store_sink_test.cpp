#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "honeypot/store_sink.hpp"
#include "store/honeypot_events.hpp"

namespace darkscope {
namespace {

TEST(HoneypotStore, EventsRoundTripThroughTheStore) {
  char dir[] = "/tmp/darkscope-hpdb-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string db = std::string(dir) + "/store.db";
  SessionEndpoints e{"0123456789ab", *IpAddress::parse("203.0.113.7"), 40000,
                     *IpAddress::parse("192.0.2.1"), 23};
  {
    StoreEventSink sink(db);
    EventJson login = make_event("cowrie.login.success", 1'795'320'000'123'456'000LL, "s1", e);
    login["username"] = "root";
    login["password"] = "xc3511";
    sink.write(login);
    EventJson closed = make_event("cowrie.session.closed", 1'795'320'005'000'000'000LL, "s1", e);
    closed["duration"] = 4.876544;
    sink.write(closed);
    sink.flush();
  }
  const auto rows = read_honeypot_events(db);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].ts_ns, 1'795'320'000'123'456'000LL);
  EXPECT_EQ(rows[0].eventid, "cowrie.login.success");
  EXPECT_EQ(rows[0].session, "0123456789ab");
  EXPECT_EQ(rows[0].sensor, "s1");
  EXPECT_EQ(rows[0].src, *IpAddress::parse("203.0.113.7"));
  EXPECT_EQ(store_address_bytes(rows[0].src), std::string("\xcb\x00\x71\x07", 4));
  EXPECT_EQ(rows[0].src_port, 40000);
  EXPECT_EQ(rows[0].dst_port, 23);
  EXPECT_EQ(rows[0].username, "root");
  EXPECT_EQ(rows[0].password, "xc3511");
  EXPECT_FALSE(rows[0].input.has_value());
  EXPECT_EQ(rows[1].eventid, "cowrie.session.closed");
  ASSERT_TRUE(rows[1].duration.has_value());
  EXPECT_DOUBLE_EQ(*rows[1].duration, 4.876544);
  EXPECT_EQ(EventJson::parse(rows[0].json)["timestamp"], "2026-11-22T04:00:00.123456Z");
}

}  // namespace
}  // namespace darkscope
