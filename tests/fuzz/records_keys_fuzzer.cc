// Fuzz target: the records key encoding (services/records/storage/keys.h).
//
// Input: FuzzedDataProvider values (two tuples, arbitrary key bytes).
// Properties:
//   - Consume*(Append*(x)) == x for strings, uint64, uint32 and bytes, in any sequence, and
//     leaves nothing behind; the composite keys decode to their parts;
//   - byte order is tuple order: compare(encode(a), encode(b)) == compare(a, b) for
//     (string, uint64, string) tuples (strings compared as unsigned bytes);
//   - Consume* on arbitrary bytes never crashes, consumes nothing on failure, and what it
//     accepts re-encodes to exactly the bytes it consumed;
//   - every key with a prefix sorts below PrefixSuccessor(prefix);
//   - ParseSequenceKey / ParseRequestTimeKey invert SequenceKey / RequestTimeKey.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "services/records/storage/keys.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace keys = ::records::keys;

struct Tuple {
  std::string a;
  uint64_t n = 0;
  std::string b;
  uint32_t d = 0;
  uint8_t byte = 0;
};

Tuple ConsumeTuple(FuzzedDataProvider* in) {
  Tuple t;
  t.a = in->ConsumeRandomLengthString(64);
  t.n = in->ConsumeIntegral<uint64_t>();
  t.b = in->ConsumeRandomLengthString(64);
  t.d = in->ConsumeIntegral<uint32_t>();
  t.byte = in->ConsumeIntegral<uint8_t>();
  return t;
}

std::string Encode(const Tuple& t) {
  std::string key;
  keys::AppendString(&key, t.a);
  keys::AppendUint64(&key, t.n);
  keys::AppendString(&key, t.b);
  keys::AppendUint32(&key, t.d);
  keys::AppendByte(&key, t.byte);
  return key;
}

// Unsigned byte order, as RocksDB's default comparator.
int CompareBytes(absl::string_view x, absl::string_view y) {
  const int c = x.compare(y);  // char_traits<char>::compare is memcmp: unsigned
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int CompareTuples(const Tuple& x, const Tuple& y) {
  if (int c = CompareBytes(x.a, y.a); c != 0) return c;
  if (x.n != y.n) return x.n < y.n ? -1 : 1;
  if (int c = CompareBytes(x.b, y.b); c != 0) return c;
  if (x.d != y.d) return x.d < y.d ? -1 : 1;
  if (x.byte != y.byte) return x.byte < y.byte ? -1 : 1;
  return 0;
}

void CheckRoundTrip(const Tuple& t) {
  const std::string key = Encode(t);
  absl::string_view in = key;
  Tuple back;
  FUZZ_CHECK(keys::ConsumeString(&in, &back.a)) << absl::CHexEscape(key);
  FUZZ_CHECK(keys::ConsumeUint64(&in, &back.n));
  FUZZ_CHECK(keys::ConsumeString(&in, &back.b));
  FUZZ_CHECK(keys::ConsumeUint32(&in, &back.d));
  FUZZ_CHECK(keys::ConsumeByte(&in, &back.byte));
  FUZZ_CHECK(in.empty()) << in.size() << " bytes left";
  FUZZ_CHECK(CompareTuples(t, back) == 0) << "decoded another tuple from " << absl::CHexEscape(key);
}

// Arbitrary bytes: a failed Consume consumes nothing; a successful one is canonical.
void CheckArbitrary(absl::string_view bytes) {
  absl::string_view in = bytes;
  std::string value;
  if (keys::ConsumeString(&in, &value)) {
    std::string again;
    keys::AppendString(&again, value);
    FUZZ_CHECK(again == bytes.substr(0, bytes.size() - in.size()))
        << "non-canonical string accepted: " << absl::CHexEscape(bytes);
  } else {
    FUZZ_CHECK(in == bytes) << "a failed ConsumeString consumed bytes";
  }
  in = bytes;
  uint64_t n;
  if (!keys::ConsumeUint64(&in, &n)) FUZZ_CHECK(in == bytes);
  uint32_t d;
  in = bytes;
  if (!keys::ConsumeUint32(&in, &d)) FUZZ_CHECK(in == bytes);

  uint64_t sequence;
  if (keys::ParseSequenceKey(bytes, &sequence)) {
    FUZZ_CHECK(keys::SequenceKey(sequence) == bytes);
  }
  int64_t micros;
  std::string request_id;
  // (A micros field of 2^63 or more parses as negative; RequestTimeKey never writes one.)
  if (keys::ParseRequestTimeKey(bytes, &micros, &request_id) && micros >= 0) {
    FUZZ_CHECK(keys::RequestTimeKey(micros, request_id) == bytes)
        << "request time key not canonical: " << absl::CHexEscape(bytes);
  }

  const std::string successor = keys::PrefixSuccessor(bytes);
  if (!successor.empty()) {
    FUZZ_CHECK(CompareBytes(bytes, successor) < 0);
    std::string longer(bytes);
    longer.append("\xff\xff\xff", 3);
    FUZZ_CHECK(CompareBytes(longer, successor) < 0) << "prefix successor too small";
  } else {
    for (char c : bytes) FUZZ_CHECK(static_cast<unsigned char>(c) == 0xff);
  }
}

void CheckCompositeKeys(const Tuple& t) {
  // Resource keys: (organization, id), under the organization's prefix.
  const std::string member = keys::MemberKey(t.a, t.b);
  FUZZ_CHECK(absl::StartsWith(member, keys::MemberPrefix(t.a)));
  absl::string_view in = member;
  std::string org, id;
  FUZZ_CHECK(keys::ConsumeString(&in, &org) && keys::ConsumeString(&in, &id) && in.empty());
  FUZZ_CHECK(org == t.a && id == t.b);

  // Index keys: the index byte, then the tuple; under their prefixes.
  const std::string by_cell = keys::MemberByCellKey(t.a, t.b, t.a, t.b);
  FUZZ_CHECK(absl::StartsWith(by_cell, keys::MemberByCellPrefix(t.a, t.b)));
  FUZZ_CHECK(absl::StartsWith(by_cell, keys::IndexPrefix(keys::Index::kMemberByCell, t.a)));
  const std::string by_state = keys::MemberByStateKey(t.a, t.byte, t.b, t.a);
  FUZZ_CHECK(absl::StartsWith(by_state, keys::MemberByStatePrefix(t.a, t.byte)));
  const std::string ever = keys::MemberEverInCellKey(t.a, t.b, t.a);
  FUZZ_CHECK(absl::StartsWith(ever, keys::MemberEverInCellPrefix(t.a, t.b)));
  const std::string admission = keys::MemberByAdmissionKey(t.a, t.d, t.b);
  in = admission;
  uint8_t index;
  uint32_t date;
  FUZZ_CHECK(keys::ConsumeByte(&in, &index) &&
             index == static_cast<uint8_t>(keys::Index::kMemberByAdmission));
  FUZZ_CHECK(keys::ConsumeString(&in, &org) && keys::ConsumeUint32(&in, &date) &&
             keys::ConsumeString(&in, &id) && in.empty());
  FUZZ_CHECK(org == t.a && date == t.d && id == t.b);

  uint64_t sequence;
  FUZZ_CHECK(keys::ParseSequenceKey(keys::SequenceKey(t.n), &sequence) && sequence == t.n);
  const int64_t micros = static_cast<int64_t>(t.n);
  int64_t parsed_micros;
  std::string request_id;
  FUZZ_CHECK(
      keys::ParseRequestTimeKey(keys::RequestTimeKey(micros, t.b), &parsed_micros, &request_id));
  FUZZ_CHECK(parsed_micros == (micros < 0 ? 0 : micros) && request_id == t.b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const Tuple x = ConsumeTuple(&in);
  const Tuple y = ConsumeTuple(&in);
  CheckRoundTrip(x);
  CheckRoundTrip(y);
  FUZZ_CHECK(CompareBytes(Encode(x), Encode(y)) == CompareTuples(x, y))
      << "byte order differs from tuple order: " << absl::CHexEscape(Encode(x)) << " vs "
      << absl::CHexEscape(Encode(y));
  // Keys of the same shape keep the order of their parts.
  FUZZ_CHECK(CompareBytes(keys::MemberKey(x.a, x.b), keys::MemberKey(y.a, y.b)) ==
             CompareTuples(Tuple{x.a, 0, x.b, 0, 0}, Tuple{y.a, 0, y.b, 0, 0}));
  FUZZ_CHECK(CompareBytes(keys::SequenceKey(x.n), keys::SequenceKey(y.n)) == (x.n < y.n   ? -1
                                                                              : x.n > y.n ? 1
                                                                                          : 0));
  CheckCompositeKeys(x);
  CheckArbitrary(in.ConsumeRemainingBytesAsString());
  return 0;
}
