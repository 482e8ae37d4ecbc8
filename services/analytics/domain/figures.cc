#include "services/analytics/domain/figures.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/analytics/domain/decimal.h"

namespace analytics {
namespace {

// Largest tenths of a percent a Decimal can carry (12 integer digits).
constexpr int64_t kMaxTenths = int64_t{9999999999999};

Figure PercentFigure(std::optional<int64_t> tenths, bool provisional) {
  if (!tenths.has_value()) return MissingFigure(Figure::UNDEFINED);
  Figure figure;
  figure.set_status(Figure::OK);
  figure.mutable_value()->set_value(FormatTenths(*tenths));
  figure.set_provisional(provisional);
  return figure;
}

// Unsigned arbitrary-precision integer: just enough (multiply by a word, add, compare) to
// decide exactly on which side of a rounding boundary a sum of fractions lies.
class BigNat {
 public:
  explicit BigNat(unsigned __int128 v) {
    while (v != 0) {
      limbs_.push_back(static_cast<uint32_t>(v));
      v >>= 32;
    }
  }
  void Multiply(uint64_t m) {
    const uint32_t lo = static_cast<uint32_t>(m), hi = static_cast<uint32_t>(m >> 32);
    BigNat high = *this;
    MultiplySmall(lo);
    if (hi != 0) {
      high.MultiplySmall(hi);
      high.limbs_.insert(high.limbs_.begin(), 0);
      Add(high);
    }
  }
  void Add(const BigNat& other) {
    uint64_t carry = 0;
    for (size_t i = 0; i < other.limbs_.size() || carry != 0; ++i) {
      if (i == limbs_.size()) limbs_.push_back(0);
      const uint64_t sum =
          uint64_t{limbs_[i]} + (i < other.limbs_.size() ? other.limbs_[i] : 0) + carry;
      limbs_[i] = static_cast<uint32_t>(sum);
      carry = sum >> 32;
    }
    Trim();
  }
  friend int Compare(const BigNat& a, const BigNat& b) {
    if (a.limbs_.size() != b.limbs_.size()) return a.limbs_.size() < b.limbs_.size() ? -1 : 1;
    for (size_t i = a.limbs_.size(); i-- > 0;) {
      if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] < b.limbs_[i] ? -1 : 1;
    }
    return 0;
  }

 private:
  void MultiplySmall(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& limb : limbs_) {
      const uint64_t product = uint64_t{limb} * m + carry;
      limb = static_cast<uint32_t>(product);
      carry = product >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<uint32_t>(carry));
    Trim();
  }
  void Trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }
  std::vector<uint32_t> limbs_;  // little-endian base 2^32
};

uint64_t Magnitude(int64_t v) {
  return v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

// The sign of  x − half/2  where x = 1000 / k × Σ n_i / d_i (the mean in tenths of a
// percent) and `half` an integer: the sign of 2000·Σ n_i·L/d_i − half·k·L with L = Π d_i.
int CompareMeanTo(const std::vector<std::pair<int64_t, int64_t>>& ratios, int64_t half) {
  BigNat positive(0), negative(0);
  for (size_t i = 0; i < ratios.size(); ++i) {
    // Move each denominator's sign to its numerator so every d_i > 0.
    const bool negative_term = (ratios[i].first < 0) != (ratios[i].second < 0);
    BigNat term(Magnitude(ratios[i].first));
    term.Multiply(2000);
    for (size_t j = 0; j < ratios.size(); ++j) {
      if (j != i) term.Multiply(Magnitude(ratios[j].second));
    }
    (negative_term ? negative : positive).Add(term);
  }
  BigNat bound(static_cast<unsigned __int128>(Magnitude(half)) * ratios.size());
  for (const auto& ratio : ratios) bound.Multiply(Magnitude(ratio.second));
  (half < 0 ? positive : negative).Add(bound);
  return Compare(positive, negative);
}

}  // namespace

Figure MissingFigure(Figure::Status status) {
  Figure figure;
  figure.set_status(status);
  return figure;
}

Figure ValueFigure(int64_t micros, bool provisional) {
  Figure figure;
  figure.set_status(Figure::OK);
  figure.mutable_value()->set_value(FormatDecimal(micros));
  figure.set_provisional(provisional);
  return figure;
}

std::optional<int64_t> PercentTenths(__int128 numerator, __int128 denominator) {
  if (denominator == 0) return std::nullopt;
  const bool negative = (numerator < 0) != (denominator < 0);
  const unsigned __int128 n =
      static_cast<unsigned __int128>(numerator < 0 ? -numerator : numerator) * 1000;
  const unsigned __int128 d =
      static_cast<unsigned __int128>(denominator < 0 ? -denominator : denominator);
  unsigned __int128 q = n / d;
  if ((n % d) * 2 >= d) ++q;  // half away from zero
  if (q > static_cast<unsigned __int128>(kMaxTenths)) return std::nullopt;
  const int64_t tenths = static_cast<int64_t>(q);
  return negative ? -tenths : tenths;
}

std::string FormatTenths(int64_t tenths) {
  const uint64_t magnitude = Magnitude(tenths);
  return absl::StrCat(tenths < 0 ? "-" : "", magnitude / 10, ".", magnitude % 10);
}

std::optional<int64_t> TenthsOf(const Figure& figure) {
  if (figure.status() != Figure::OK) return std::nullopt;
  const std::string& text = figure.value().value();
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot + 2 != text.size()) return std::nullopt;
  int64_t tenths = 0;
  if (!absl::SimpleAtoi(text.substr(0, dot) + text.substr(dot + 1), &tenths)) return std::nullopt;
  return tenths;
}

Figure RatioPercent(int64_t numerator, int64_t denominator, bool provisional) {
  return PercentFigure(PercentTenths(numerator, denominator), provisional);
}

Figure MeanRatioPercent(const std::vector<std::pair<int64_t, int64_t>>& ratios, bool provisional) {
  if (ratios.empty()) return MissingFigure(Figure::MISSING_BASE);
  for (const auto& ratio : ratios) {
    if (ratio.second == 0) return MissingFigure(Figure::ZERO_BASE);
  }
  // A long double estimate, then exact comparisons with the rounding boundaries around it
  // move it to the correctly rounded value (the estimate is off by at most one step).
  long double estimate = 0;
  for (const auto& [n, d] : ratios) {
    estimate += static_cast<long double>(n) / static_cast<long double>(d);
  }
  estimate = estimate * 1000 / static_cast<long double>(ratios.size());
  if (!(std::fabs(estimate) < static_cast<long double>(kMaxTenths))) {
    return MissingFigure(Figure::UNDEFINED);
  }
  int64_t tenths = std::llroundl(estimate);
  const bool non_negative = CompareMeanTo(ratios, 0) >= 0;
  for (int step = 0; step < 8; ++step) {
    // Half away from zero: x ≥ 0 rounds to n when (2n−1)/2 ≤ x < (2n+1)/2; x < 0 when
    // (2n−1)/2 < x ≤ (2n+1)/2.
    const int below = CompareMeanTo(ratios, 2 * tenths - 1);
    const int above = CompareMeanTo(ratios, 2 * tenths + 1);
    if (non_negative ? below < 0 : below <= 0) {
      --tenths;
    } else if (non_negative ? above >= 0 : above > 0) {
      ++tenths;
    } else {
      break;
    }
  }
  if (tenths > kMaxTenths || tenths < -kMaxTenths) return MissingFigure(Figure::UNDEFINED);
  return PercentFigure(tenths, provisional);
}

Figure CagrPercent(int64_t start, int64_t end, int years, bool provisional) {
  if (years < 1) return MissingFigure(Figure::NOT_APPLICABLE);
  if (start <= 0 || end <= 0) return MissingFigure(Figure::UNDEFINED);
  const long double ratio = static_cast<long double>(end) / static_cast<long double>(start);
  const long double percent = std::expm1l(std::log(ratio) / years) * 100;
  const long double tenths = std::roundl(percent * 10);  // half away from zero
  if (!(std::fabs(tenths) <= static_cast<long double>(kMaxTenths))) {
    return MissingFigure(Figure::UNDEFINED);
  }
  return PercentFigure(static_cast<int64_t>(tenths), provisional);
}

}  // namespace analytics
