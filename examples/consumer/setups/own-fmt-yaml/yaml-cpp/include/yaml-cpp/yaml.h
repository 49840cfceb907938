// The project's own yaml-cpp (a stand-in): same header name and namespace as the real one.
#pragma once

namespace YAML {
int Load_marker();
}  // namespace YAML
