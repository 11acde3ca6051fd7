#include "app/version.hpp"

#include "enrich/enricher.hpp"

namespace darkscope {

std::string version_text() {
  // The data licences (DB-IP, ip-location-db: CC BY 4.0) require attribution.
  return std::string("darkscope ") + DARKSCOPE_VERSION + "\n\n" + data_attribution();
}

}  // namespace darkscope
