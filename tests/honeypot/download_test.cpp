#include <gtest/gtest.h>

#include "honeypot/download.hpp"

namespace darkscope {
namespace {

bool forbidden(const char* text) { return is_forbidden_download_address(*IpAddress::parse(text)); }

TEST(DownloadUrl, Parse) {
  auto u = parse_url("http://1.2.3.4:8080/bins/mirai.arm");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "1.2.3.4");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/bins/mirai.arm");
  u = parse_url("Example.COM/x.sh");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 80);
  u = parse_url("tftp://[2001:db8::1]:6969/f");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "2001:db8::1");
  EXPECT_EQ(u->port, 6969);
  EXPECT_FALSE(parse_url("gopher://x/"));
  EXPECT_FALSE(parse_url("http://:80/"));
  EXPECT_FALSE(parse_url("http://a:99999/"));
  EXPECT_FALSE(parse_url("http://a b/"));
}

TEST(DownloadPolicy, ForbiddenAddresses) {
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
                        "::1", "::", "fd00:ec2::254", "fe80::1", "ff02::1", "64:ff9b::a9fe:a9fe",
                        "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(forbidden(a)) << a;
  }
  for (const char* a : {"1.1.1.1", "172.32.0.1", "8.8.8.8", "2a00:1450::1", "100.128.0.1"}) {
    EXPECT_FALSE(forbidden(a)) << a;
  }
}

TEST(DownloadHash, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace darkscope
