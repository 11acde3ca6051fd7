#include "core/services.hpp"

#include <gtest/gtest.h>

namespace darkscope {

TEST(Services, KnownPorts) {
  EXPECT_EQ(service_name(6, 23), "telnet");
  EXPECT_EQ(service_name(6, 2323), "telnet-alt");
  EXPECT_EQ(service_name(17, 53), "dns");
  EXPECT_EQ(service_name(17, 23), "");
  EXPECT_EQ(service_name(6, 1), "");
  EXPECT_EQ(service_name(6, 52869), "upnp");
}

}  // namespace darkscope
