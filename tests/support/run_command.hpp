// Runs the darkscope binary (or any shell command) and captures its output and status.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace darkscope::testing {

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

/// The darkscope binary of this build.
inline std::string darkscope_binary() { return std::string(DARKSCOPE_BINARY_DIR) + "/darkscope"; }

/// A fresh, empty temporary directory for one test.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("darkscope-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Runs `command` with /bin/sh; stdout and stderr are captured separately.
inline CommandResult run_command(const std::string& command) {
  const auto err_path = std::filesystem::temp_directory_path() /
                        ("darkscope-stderr-" + std::to_string(::getpid()));
  CommandResult result;
  std::FILE* pipe = ::popen((command + " 2>" + err_path.string()).c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 65536> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.out.append(buf.data(), n);
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream err(err_path);
  std::stringstream ss;
  ss << err.rdbuf();
  result.err = ss.str();
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace darkscope::testing
