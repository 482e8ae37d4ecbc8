// File: tests/fuzz/records_inputs.h
//
// The byte layouts the records fuzz targets read, shared with the seed generator:
//
//   records_request_fuzzer:  [method][today: u16][serialized request]
//     method: index (mod the method count) into RecordsService's methods in proto order;
//     the request is that method's input type.
//   records_member_rules_fuzzer:  [operation][today: u16][member length: u16][Member]
//                                 [cell length: u16][Cell][serialized request]
//
// today: days after 2020-01-01 (big-endian). Missing bytes read as zero. Header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace fuzz {

inline constexpr absl::CivilDay kTodayEpoch = absl::CivilDay(2020, 1, 1);

// Reads from the front of an input; reads past the end give zeros / empty strings.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  uint16_t U16() {
    const uint16_t high = Byte();
    return static_cast<uint16_t>((high << 8) | Byte());
  }
  absl::CivilDay Today() { return kTodayEpoch + U16(); }
  absl::string_view Bytes(size_t n) {
    absl::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  absl::string_view Sized() { return Bytes(U16()); }  // u16 length, then the bytes
  absl::string_view Rest() { return Bytes(rest_.size()); }

 private:
  absl::string_view rest_;
};

// The writer side (seed generation).
inline void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}
inline void PutToday(std::string* out, absl::CivilDay today) {
  PutU16(out, static_cast<uint16_t>(today - kTodayEpoch));
}
inline void PutSized(std::string* out, const std::string& bytes) {
  PutU16(out, static_cast<uint16_t>(bytes.size()));
  out->append(bytes);
}

}  // namespace fuzz
