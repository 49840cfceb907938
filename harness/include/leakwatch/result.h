// result.h — errors as values.
//
// Defines `Error` (a code, the errno behind it if any, and a message that reads well after
// "failed to ...") and `Result<T>`, which holds either a T or an Error. Library functions that
// can fail for reasons outside the caller's control return a Result; nothing throws across a
// library boundary.
//
//   leakwatch::Result<Snapshot> snap = leakwatch::TakeSnapshot(pid);
//   if (!snap) { std::cerr << snap.error().message() << "\n"; return 1; }
//   Use(*snap);
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace leakwatch {

enum class ErrorCode {
  kNotFound,          // the process (or file) does not exist, or has exited
  kPermissionDenied,  // exists, but the caller may not read it
  kInvalidArgument,   // bad input from the user: a flag value, a slack spec, a duration
  kParseError,        // a file that does not parse (the message names file:line:col)
  kIo,                // any other operating-system failure
  kTimeout,           // something we waited for did not happen in time
  kProcessExited,     // a process we started exited (or could not start) when it should run
};

class Error {
 public:
  Error(ErrorCode code, std::string message, int errno_value = 0)
      : code_(code), errno_value_(errno_value), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  // The errno that caused the error, or 0.
  int errno_value() const { return errno_value_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  int errno_value_;
  std::string message_;
};

// Maps an errno to an Error whose message is "<context>: <strerror>", e.g.
// ErrnoError(ENOENT, "opening /proc/123/fd") -> "opening /proc/123/fd: No such file or directory".
Error ErrnoError(int errno_value, const std::string& context);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// For operations that return nothing on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace leakwatch
