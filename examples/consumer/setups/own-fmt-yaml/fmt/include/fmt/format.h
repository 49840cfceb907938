// The project's own fmt (a stand-in): same header name and namespace as the real one.
#pragma once

namespace fmt {
inline namespace v9 {
int vformat_marker();
}  // namespace v9
}  // namespace fmt
