#include "leakwatch/result.h"

#include <cerrno>
#include <cstring>

namespace leakwatch {

Error ErrnoError(int errno_value, const std::string& context) {
  ErrorCode code = ErrorCode::kIo;
  if (errno_value == ENOENT || errno_value == ESRCH) code = ErrorCode::kNotFound;
  if (errno_value == EACCES || errno_value == EPERM) code = ErrorCode::kPermissionDenied;
  return Error(code, context + ": " + std::strerror(errno_value), errno_value);
}

}  // namespace leakwatch
