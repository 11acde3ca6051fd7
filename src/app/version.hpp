#pragma once

#include <string>

namespace darkscope {

/// The text of `darkscope --version`: version, build, data files and their attribution.
std::string version_text();

}  // namespace darkscope
