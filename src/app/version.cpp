#include "app/version.hpp"

namespace darkscope {

std::string version_text() {
  return std::string("darkscope ") + DARKSCOPE_VERSION + "\n";
}

}  // namespace darkscope
