#include "core/byte_reader.hpp"

#include <gtest/gtest.h>

#include <array>

namespace darkscope {

TEST(ByteReader, ReadsBothByteOrders) {
  constexpr std::array<std::uint8_t, 8> data{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
  ByteReader r{Bytes(data)};
  EXPECT_EQ(r.be16(), 0x1234);
  EXPECT_EQ(r.le16(), 0x7856);
  EXPECT_EQ(r.be32(), 0x9abcdef0u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, ShortReadFailsAndStaysPut) {
  constexpr std::array<std::uint8_t, 3> data{1, 2, 3};
  ByteReader r{Bytes(data)};
  EXPECT_EQ(r.u8(), 1);
  EXPECT_EQ(r.be32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.position(), 1u);
  EXPECT_TRUE(r.bytes(5).empty());
  EXPECT_EQ(r.bytes(2).size(), 2u);
}

}  // namespace darkscope
