// Paths shared by the enrich tests.
#pragma once

#include <filesystem>
#include <string>

namespace darkscope::test {

inline std::string corpus(const std::string& rel) { return std::string(DARKSCOPE_CORPUS_DIR) + "/" + rel; }
inline bool have_corpus() { return std::filesystem::is_directory(DARKSCOPE_CORPUS_DIR); }
/// The npm data installed by scripts/setup into the source tree.
inline std::string repo_data(const std::string& rel) {
  return std::string(DARKSCOPE_SOURCE_DIR) + "/data/node_modules/@ip-location-db/" + rel;
}
inline bool have_repo_data() {
  return std::filesystem::is_regular_file(repo_data("dbip-country-mmdb/dbip-country.mmdb")) &&
         std::filesystem::is_regular_file(repo_data("asn/asn-ipv4.csv"));
}

}  // namespace darkscope::test

#define REQUIRE_CORPUS() \
  if (!darkscope::test::have_corpus()) GTEST_SKIP() << "corpus not found at " DARKSCOPE_CORPUS_DIR
#define REQUIRE_REPO_DATA() \
  if (!darkscope::test::have_repo_data()) GTEST_SKIP() << "npm data not installed (run scripts/setup)"
