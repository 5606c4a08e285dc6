#include "sim/core/units.h"

#include <array>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dsim::sim {
namespace {

using u128 = unsigned __int128;

// A non-negative decimal number read exactly: value = mantissa / 10^scale.
struct Decimal {
  u128 mantissa = 0;
  int scale = 0;
};

// The largest power of ten a u128 holds; a decimal with more significant fraction digits than
// this is finer than any unit can make whole (see ScaleExact).
constexpr int kMaxScale = 38;

// Reads "123", "1.5", ".5"; stops at the first character that is not part of the number.
// Returns the number of characters consumed (0 when no digit was found, or the significant
// digits overflow 128 bits). Trailing zeros of the fraction are dropped ("1.500" reads as
// 15 / 10^1), so any number of them is exact and cheap.
size_t ReadDecimal(std::string_view s, Decimal* out) {
  size_t i = 0;
  bool any_digit = false;
  bool in_fraction = false;
  int pending_zeros = 0;  // fraction zeros not yet folded in: they matter only if a digit follows
  Decimal d;
  auto push = [&d](unsigned digit) {
    if (d.mantissa > (~u128{0}) / 100) return false;  // absurdly long: unparsable
    d.mantissa = d.mantissa * 10 + digit;
    return true;
  };
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !in_fraction) {
      in_fraction = true;
      continue;
    }
    if (c == '_' && any_digit) continue;  // TOML-style digit separators: "1_000_000"
    if (c < '0' || c > '9') break;
    any_digit = true;
    if (!in_fraction) {
      if (!push(static_cast<unsigned>(c - '0'))) return 0;
      continue;
    }
    if (c == '0') {
      ++pending_zeros;
      continue;
    }
    for (; pending_zeros > 0; --pending_zeros) {
      if (!push(0)) return 0;
      if (++d.scale > kMaxScale + 1) d.scale = kMaxScale + 1;  // saturate: already too fine
    }
    if (!push(static_cast<unsigned>(c - '0'))) return 0;
    if (++d.scale > kMaxScale + 1) d.scale = kMaxScale + 1;
  }
  if (!any_digit) return 0;
  *out = d;
  return i;
}

u128 Pow10(int n) {
  u128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// value * multiplier, requiring an integer result that fits in int64. Returns false otherwise.
bool ScaleExact(const Decimal& d, u128 multiplier, u128 limit, u128* out, bool* fractional) {
  // mantissa * multiplier / 10^scale; both factors are bounded so the product fits in 128 bits
  // for every input we accept (mantissa < 2^64 is checked first).
  if (d.mantissa >> 64) return false;
  if (multiplier >> 62) return false;
  // The last fraction digit is non-zero, so a whole result needs mantissa * multiplier to be a
  // multiple of 10^scale; past 10^38 that product (< 2^126) cannot be one.
  if (d.scale > kMaxScale) {
    *fractional = true;
    return false;
  }
  u128 num = d.mantissa * multiplier;
  u128 den = Pow10(d.scale);
  if (num % den != 0) {
    *fractional = true;
    return false;
  }
  u128 v = num / den;
  if (v > limit) return false;
  *out = v;
  return true;
}

std::string Quote(std::string_view s) {
  return absl::StrCat("\"", absl::string_view(s.data(), s.size()), "\"");
}

struct Unit {
  std::string_view name;
  u128 factor;
};

constexpr std::array<Unit, 9> kDurationUnits = {{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // µs
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", u128{60} * 1'000'000'000},
    {"min", u128{60} * 1'000'000'000},
    {"h", u128{3600} * 1'000'000'000},
    {"d", u128{86400} * 1'000'000'000},
}};

constexpr std::array<Unit, 9> kSizeUnits = {{
    {"B", 1},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
    {"KiB", u128{1} << 10},
    {"MiB", u128{1} << 20},
    {"GiB", u128{1} << 30},
    {"TiB", u128{1} << 40},
}};

template <size_t N>
const Unit* FindUnit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& u : units)
    if (u.name == name) return &u;
  return nullptr;
}

}  // namespace

absl::StatusOr<Nanos> ParseDuration(std::string_view text) {
  const std::string expected = absl::StrCat(
      "expected a duration such as \"250us\", \"10ms\", \"1.5s\" or \"5m\" (units ns, us, ms, s, "
      "m, h, d), got ",
      Quote(text));
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  Decimal d;
  size_t n = ReadDecimal(s, &d);
  if (n == 0) return absl::InvalidArgumentError(expected);
  std::string_view unit = s.substr(n);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.empty()) {
    if (d.mantissa == 0) return Nanos{0};
    return absl::InvalidArgumentError(
        absl::StrCat(expected, " (a duration needs a unit; only 0 may go without)"));
  }
  const Unit* u = FindUnit(kDurationUnits, unit);
  if (u == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(expected, " (unknown unit ", Quote(unit), ")"));
  }
  u128 v = 0;
  bool fractional = false;
  if (!ScaleExact(d, u->factor, static_cast<u128>(kNanosMax), &v, &fractional)) {
    return absl::InvalidArgumentError(
        absl::StrCat(expected, fractional ? " (finer than a nanosecond)"
                                          : " (too large for 64-bit nanoseconds)"));
  }
  Nanos r = static_cast<Nanos>(v);
  return negative ? -r : r;
}

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  const std::string expected = absl::StrCat(
      "expected a size such as \"100B\", \"64KiB\" or \"1MB\" (units B, KB, MB, GB, TB, KiB, MiB, "
      "GiB, TiB), got ",
      Quote(text));
  Decimal d;
  size_t n = ReadDecimal(text, &d);
  if (n == 0) return absl::InvalidArgumentError(expected);
  std::string_view unit = text.substr(n);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  u128 factor = 1;
  if (!unit.empty()) {
    const Unit* u = FindUnit(kSizeUnits, unit);
    if (u == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(expected, " (unknown unit ", Quote(unit), ")"));
    }
    factor = u->factor;
  }
  u128 v = 0;
  bool fractional = false;
  if (!ScaleExact(d, factor, static_cast<u128>(~uint64_t{0} >> 1), &v, &fractional)) {
    return absl::InvalidArgumentError(
        absl::StrCat(expected, fractional ? " (not a whole number of bytes)" : " (too large)"));
  }
  return static_cast<uint64_t>(v);
}

absl::StatusOr<uint64_t> ParseBandwidth(std::string_view text) {
  const std::string expected = absl::StrCat(
      "expected a bandwidth such as \"100MiB/s\", \"1GB/s\" or \"10Gbps\", got ", Quote(text));
  if (text.size() > 2 && text.substr(text.size() - 2) == "/s") {
    absl::StatusOr<uint64_t> bytes = ParseSize(text.substr(0, text.size() - 2));
    if (!bytes.ok()) return absl::InvalidArgumentError(expected);
    return *bytes;
  }
  Decimal d;
  size_t n = ReadDecimal(text, &d);
  if (n == 0) return absl::InvalidArgumentError(expected);
  std::string_view unit = text.substr(n);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  u128 bits_per_unit = 0;
  if (unit == "bps") bits_per_unit = 1;
  if (unit == "Kbps") bits_per_unit = 1'000;
  if (unit == "Mbps") bits_per_unit = 1'000'000;
  if (unit == "Gbps") bits_per_unit = 1'000'000'000;
  if (bits_per_unit == 0) return absl::InvalidArgumentError(expected);
  u128 bits = 0;
  bool fractional = false;
  if (!ScaleExact(d, bits_per_unit, static_cast<u128>(~uint64_t{0} >> 1), &bits, &fractional) ||
      bits % 8 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(expected, " (must be a whole number of bytes per second)"));
  }
  return static_cast<uint64_t>(bits / 8);
}

absl::StatusOr<Ratio> ParseProbability(std::string_view text) {
  const std::string expected = absl::StrCat(
      "expected a probability between 0 and 1: a decimal (0.01), a percentage (\"1%\") or a "
      "fraction (\"1/100\"), got ",
      Quote(text));
  u128 num = 0;
  u128 den = 1;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    Decimal a, b;
    if (ReadDecimal(text.substr(0, slash), &a) != slash || a.scale != 0 ||
        ReadDecimal(text.substr(slash + 1), &b) != text.size() - slash - 1 || b.scale != 0 ||
        b.mantissa == 0) {
      return absl::InvalidArgumentError(expected);
    }
    num = a.mantissa;
    den = b.mantissa;
  } else {
    bool percent = !text.empty() && text.back() == '%';
    std::string_view digits = percent ? text.substr(0, text.size() - 1) : text;
    Decimal d;
    if (digits.empty() || ReadDecimal(digits, &d) != digits.size() || d.scale > 18) {
      return absl::InvalidArgumentError(expected);
    }
    num = d.mantissa;
    den = Pow10(d.scale + (percent ? 2 : 0));
  }
  if (num > den) return absl::InvalidArgumentError(absl::StrCat(expected, " (more than 1)"));
  u128 a = num, b = den;
  while (b != 0) a = std::exchange(b, a % b);
  num /= a;
  den /= a;
  if ((num >> 64) || (den >> 64)) return absl::InvalidArgumentError(expected);
  return Ratio{static_cast<uint64_t>(num), static_cast<uint64_t>(den)};
}

std::string FormatDuration(Nanos d) {
  if (d == 0) return "0s";
  std::string sign = d < 0 ? "-" : "";
  u128 v = d < 0 ? static_cast<u128>(-(d + 1)) + 1 : static_cast<u128>(d);
  // Largest unit dividing the value exactly; minutes/hours/days only when that is exact too.
  static constexpr std::array<Unit, 7> kOrder = {{{"d", u128{86400} * 1'000'000'000},
                                                  {"h", u128{3600} * 1'000'000'000},
                                                  {"m", u128{60} * 1'000'000'000},
                                                  {"s", 1'000'000'000},
                                                  {"ms", 1'000'000},
                                                  {"us", 1'000},
                                                  {"ns", 1}}};
  for (const Unit& u : kOrder) {
    if (v % u.factor == 0) {
      return absl::StrCat(sign, static_cast<uint64_t>(v / u.factor),
                          absl::string_view(u.name.data(), u.name.size()));
    }
  }
  return "";  // unreachable: ns divides everything
}

std::string FormatSize(uint64_t bytes) {
  if (bytes == 0) return "0B";
  static constexpr std::array<Unit, 5> kOrder = {{{"TiB", u128{1} << 40},
                                                  {"GiB", u128{1} << 30},
                                                  {"MiB", u128{1} << 20},
                                                  {"KiB", u128{1} << 10},
                                                  {"B", 1}}};
  for (const Unit& u : kOrder) {
    if (bytes % u.factor == 0) {
      return absl::StrCat(static_cast<uint64_t>(bytes / u.factor),
                          absl::string_view(u.name.data(), u.name.size()));
    }
  }
  return "";
}

std::string FormatBandwidth(uint64_t bytes_per_sec) {
  return absl::StrCat(FormatSize(bytes_per_sec), "/s");
}

std::string FormatRatio(Ratio r) {
  if (r.num == 0) return "0";
  if (r.num == r.den) return "1";
  uint64_t g = std::gcd(r.num, r.den);
  return absl::StrCat(r.num / g, "/", r.den / g);
}

}  // namespace dsim::sim
