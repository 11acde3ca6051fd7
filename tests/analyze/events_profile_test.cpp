#include <gtest/gtest.h>

#include <vector>

#include "analyze/port_key.hpp"
#include "analyze/profile_tracker.hpp"
#include "events_support.hpp"

namespace darkscope {
namespace {

using events_test::kT0;
using events_test::probe;
using events_test::v4;

struct Collected {
  std::vector<ProfilePiece> pieces;
  ProfileTracker::PieceCallback sink() {
    return [this](const ProfilePiece& p) { pieces.push_back(p); };
  }
};

TEST(EventsProfile, OnePiecePerSourceAndDay) {
  Collected c;
  ProfileTracker t(ProfileOptions{}, c.sink());
  PacketRecord mirai = probe(kT0, 86000, "198.51.100.7", v4("10.0.0.1"), 23);
  mirai.fingerprints = kFpMirai;
  mirai.country = {'B', 'R'};
  mirai.asn = 64500;
  t.on_packet(mirai);
  t.on_packet(probe(kT0, 86100, "198.51.100.7", v4("10.0.0.2"), 2323));
  t.on_packet(probe(kT0, 86200, "198.51.100.7", v4("10.0.0.2"), 23));
  t.on_packet(probe(kT0, 86300, "198.51.100.7", v4("10.0.0.3"), 53, TrafficClass::kUdp));
  t.on_packet(probe(kT0, 86500, "198.51.100.7", v4("10.0.0.3"), 23));  // the next UTC day
  t.flush();
  ASSERT_EQ(c.pieces.size(), 2u);
  const ProfilePiece& p = c.pieces[0].day < c.pieces[1].day ? c.pieces[0] : c.pieces[1];
  const ProfilePiece& q = c.pieces[0].day < c.pieces[1].day ? c.pieces[1] : c.pieces[0];
  EXPECT_EQ(p.day, kT0 / kNsPerDay);
  EXPECT_EQ(q.day, kT0 / kNsPerDay + 1);
  EXPECT_EQ(p.packets, 4u);
  EXPECT_EQ(p.mirai_packets, 1u);
  EXPECT_EQ(p.fingerprints, kFpMirai);
  EXPECT_EQ(p.country[0], 'B');
  EXPECT_EQ(p.asn, 64500u);
  EXPECT_EQ(p.first_ns, kT0 + 86000 * kNsPerSecond);
  EXPECT_EQ(p.last_ns, kT0 + 86300 * kNsPerSecond);
  ASSERT_EQ(p.port_count, 3);
  EXPECT_EQ(p.ports[0], (PortKey{kProtoTcp, 23}.packed()));
  EXPECT_EQ(p.ports[1], (PortKey{kProtoTcp, 2323}.packed()));
  EXPECT_EQ(p.ports[2], (PortKey{kProtoUdp, 53}.packed()));
  EXPECT_EQ(p.classes, (1u << static_cast<int>(TrafficClass::kTcpSyn)) |
                           (1u << static_cast<int>(TrafficClass::kUdp)));
  EXPECT_EQ(q.packets, 1u);
  EXPECT_EQ(q.fingerprints, 0);
}

TEST(EventsProfile, PortsBeyondTheKeptOnesAreFlagged) {
  Collected c;
  ProfileTracker t(ProfileOptions{}, c.sink());
  for (std::uint16_t port = 1; port <= kProfilePorts + 2; ++port) {
    t.on_packet(probe(kT0, port, "198.51.100.7", v4("10.0.0.1"), port));
  }
  t.flush();
  ASSERT_EQ(c.pieces.size(), 1u);
  EXPECT_EQ(c.pieces[0].port_count, kProfilePorts);
  EXPECT_TRUE(c.pieces[0].more_ports);
}

TEST(EventsProfile, IdleSourcesAreHandedOut) {
  Collected c;
  ProfileTracker t(ProfileOptions{}, c.sink());
  t.on_packet(probe(kT0, 0, "198.51.100.7", v4("10.0.0.1"), 23));
  t.on_packet(probe(kT0, 1000, "198.51.100.8", v4("10.0.0.1"), 23));  // 1000 s > 900 s idle
  EXPECT_EQ(c.pieces.size(), 1u);
  EXPECT_EQ(t.active(), 1u);
}

TEST(EventsProfile, Verdicts) {
  std::string reason;
  EXPECT_EQ(classify_source(kFpMirai | kFpZmap, "", reason), SourceVerdict::kMalicious);
  EXPECT_EQ(reason, "mirai fingerprint (Mirai-type scanning)");
  EXPECT_EQ(classify_source(kFpZmap, "Censys", reason), SourceVerdict::kBenign);
  EXPECT_EQ(reason, "known research scanner: Censys");
  EXPECT_EQ(classify_source(kFpMirai, "Censys", reason), SourceVerdict::kMalicious);
  EXPECT_EQ(reason, "mirai fingerprint (Mirai-type scanning); address listed for Censys");
  EXPECT_EQ(classify_source(kFpMasscan, "", reason), SourceVerdict::kUnknown);
  EXPECT_STREQ(to_string(SourceVerdict::kUnknown), "unknown");
}

}  // namespace
}  // namespace darkscope
