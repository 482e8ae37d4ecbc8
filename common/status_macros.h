// File: common/status_macros.h
//
// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr. Abseil 20220623
// (Debian bookworm) ships no status_macros.h.
//
//   RETURN_IF_ERROR(store.Write(batch));
//   ASSIGN_OR_RETURN(Member member, LoadMember(name));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DANGBO_STATUS_CONCAT_INNER_(a, b) a##b
#define DANGBO_STATUS_CONCAT_(a, b) DANGBO_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                               \
  do {                                                      \
    if (absl::Status _dangbo_status = (expr); !_dangbo_status.ok()) { \
      return _dangbo_status;                                \
    }                                                       \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  DANGBO_ASSIGN_OR_RETURN_IMPL_(DANGBO_STATUS_CONCAT_(_dangbo_statusor_, __LINE__), lhs, expr)

#define DANGBO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = *std::move(statusor)
