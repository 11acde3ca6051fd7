// The verdict of a source's profile (docs/EVENTS.md, "Source profiles").
#include <gtest/gtest.h>

#include <string>

#include "analyze/source_verdict.hpp"
#include "core/packet_record.hpp"

namespace darkscope {
namespace {

TEST(EventsProfile, Verdicts) {
  std::string reason;
  EXPECT_EQ(classify_source(kFpMirai | kFpZmap, "", reason), SourceVerdict::kMalicious);
  EXPECT_EQ(reason, "mirai fingerprint (Mirai-type scanning)");
  EXPECT_EQ(classify_source(kFpZmap, "Censys", reason), SourceVerdict::kBenign);
  EXPECT_EQ(reason, "known research scanner: Censys");
  EXPECT_EQ(classify_source(kFpMirai, "Censys", reason), SourceVerdict::kMalicious);
  EXPECT_EQ(reason, "mirai fingerprint (Mirai-type scanning); address listed for Censys");
  EXPECT_EQ(classify_source(kFpMasscan, "", reason), SourceVerdict::kUnknown);
  EXPECT_EQ(reason, "no research-scanner listing and no malicious fingerprint");
  EXPECT_STREQ(to_string(SourceVerdict::kUnknown), "unknown");
  EXPECT_STREQ(to_string(SourceVerdict::kBenign), "benign");
  EXPECT_STREQ(to_string(SourceVerdict::kMalicious), "malicious");
}

}  // namespace
}  // namespace darkscope
