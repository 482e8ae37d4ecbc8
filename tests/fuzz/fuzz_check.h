// File: tests/fuzz/fuzz_check.h
//
// FUZZ_CHECK(condition) << "details": aborts (a libFuzzer crash, the input saved) when a
// property a fuzz target asserts does not hold, after printing the condition and the details.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "common/errors.h"

namespace fuzz {

// Collects the message; its destructor prints it and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": property violated: " << condition << ": ";
  }
  [[noreturn]] ~CheckFailure() {
    std::fprintf(stderr, "%s\n", stream_.str().c_str());
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

}  // namespace fuzz

// (A loop, not an if, so that it nests under an if without a dangling else; the failure
// aborts in the first iteration.)
#define FUZZ_CHECK(condition) \
  while (!(condition)) ::fuzz::CheckFailure(__FILE__, __LINE__, #condition)

namespace fuzz {

// INVALID_ARGUMENT built with common::FieldViolations: its BadRequest must read back (a
// description that is not valid UTF-8 makes the proto3 payload unreadable to every client).
inline void CheckBadRequest(const absl::Status& status, const char* what) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument) << what << ": " << status;
  FUZZ_CHECK(!common::FieldViolationsOf(status).empty())
      << what << ": the BadRequest of this error cannot be read back: " << status;
}

}  // namespace fuzz
