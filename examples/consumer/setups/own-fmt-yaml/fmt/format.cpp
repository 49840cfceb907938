#include "fmt/format.h"

namespace fmt {
inline namespace v9 {
int vformat_marker() {
  return 9;
}
}  // namespace v9
}  // namespace fmt
