#include "yaml-cpp/yaml.h"

namespace YAML {
int Load_marker() {
  return 7;
}
}  // namespace YAML
