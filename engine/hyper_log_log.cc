#include "engine/hyper_log_log.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/check.h"
#include "engine/det_math.h"
#include "engine/token.h"

namespace dsim::engine {
namespace {

// HLL++ linear-counting thresholds for p = 4..18 (Heule et al. 2013, appendix).
constexpr double kThresholds[] = {10,   20,   40,    80,    220,   400,    900,   1800,
                                  3100, 6500, 11500, 20000, 50000, 120000, 350000};

// Ertl's sigma(x) = x + sum_{k>=1} x^{2^k} 2^{k-1}, for x in [0, 1).
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  for (int i = 0; i < 1000; ++i) {  // converges long before; the bound keeps the loop finite
    x *= x;
    const double previous = z;
    z += x * y;
    y += y;
    if (z == previous) break;
  }
  return z;
}

// Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^{2^-k})^2 2^-k) / 3, for x in [0, 1].
double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  for (int i = 0; i < 1000; ++i) {
    x = std::sqrt(x);
    const double previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
    if (z == previous) break;
  }
  return z / 3.0;
}

}  // namespace

HyperLogLog::HyperLogLog(int precision) : precision_(precision) {
  DSIM_CHECK_MSG(precision >= kMinPrecision && precision <= kMaxPrecision,
                 "HLL precision must be in [4, 18]");
}

void HyperLogLog::Add(std::string_view key) { AddHash(Token(key)); }

uint32_t HyperLogLog::SparseEntryOf(uint64_t hash) {
  const uint32_t index = static_cast<uint32_t>(hash >> (64 - kSparsePrecision));
  const uint64_t rest = hash << kSparsePrecision;
  const uint32_t rank = rest == 0 ? 65 - kSparsePrecision : std::countl_zero(rest) + 1;
  return index << 6 | rank;
}

void HyperLogLog::AddSparse(uint64_t hash) { InsertSparse(SparseEntryOf(hash)); }

void HyperLogLog::AddHashes(absl::Span<const uint64_t> hashes) {
  if (!sparse_) {
    for (uint64_t h : hashes) AddHash(h);
    return;
  }
  std::vector<uint32_t> entries;
  entries.reserve(hashes.size());
  for (uint64_t h : hashes) entries.push_back(SparseEntryOf(h));
  // Ascending by index, then rank: the last entry of each index has the largest rank.
  std::sort(entries.begin(), entries.end());
  size_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && (entries[i + 1] >> 6) == (entries[i] >> 6)) continue;
    entries[kept++] = entries[i];
  }
  entries.resize(kept);
  MergeSparseSorted(entries);
}

void HyperLogLog::MergeSparseSorted(const std::vector<uint32_t>& entries) {
  DSIM_CHECK(sparse_);
  if (entries.empty()) return;
  std::vector<uint32_t> out;
  out.reserve(sparse_entries_.size() + entries.size());
  size_t i = 0, j = 0;
  while (i < sparse_entries_.size() || j < entries.size()) {
    if (j == entries.size() ||
        (i < sparse_entries_.size() && (sparse_entries_[i] >> 6) < (entries[j] >> 6))) {
      out.push_back(sparse_entries_[i++]);
    } else if (i == sparse_entries_.size() || (entries[j] >> 6) < (sparse_entries_[i] >> 6)) {
      out.push_back(entries[j++]);
    } else {
      out.push_back(std::max(sparse_entries_[i++], entries[j++]));  // same index
    }
  }
  sparse_entries_.swap(out);
  // Past the limit the dense form holds the same registers as converting part-way would have:
  // a register is the max over every entry, whenever it was added.
  if (sparse_entries_.size() > SparseLimit()) ToDense();
}

void HyperLogLog::InsertSparse(uint32_t entry) {
  const uint32_t index = entry >> 6;
  auto it = std::lower_bound(sparse_entries_.begin(), sparse_entries_.end(), index << 6);
  if (it != sparse_entries_.end() && (*it >> 6) == index) {
    *it = std::max(*it, entry);  // same index: the larger rank
    return;
  }
  sparse_entries_.insert(it, entry);
  if (sparse_entries_.size() > SparseLimit()) ToDense();
}

uint8_t HyperLogLog::DenseRankOf(uint32_t entry, int precision) {
  // The dense rank counts leading zeros of the hash bits after the first p. Those begin with
  // the 25 - p low bits of the sparse index, then continue with the sparse rank's bits.
  const int extra = kSparsePrecision - precision;
  const uint32_t index = entry >> 6;
  const uint32_t low = index & ((uint32_t{1} << extra) - 1);
  if (low != 0) return static_cast<uint8_t>(std::countl_zero(low) - (32 - extra) + 1);
  return static_cast<uint8_t>(extra + (entry & 63));
}

void HyperLogLog::ToDense() {
  if (!sparse_) return;
  registers_.assign(size_t{1} << precision_, 0);
  const int shift = kSparsePrecision - precision_;
  for (uint32_t e : sparse_entries_) {
    uint8_t& reg = registers_[(e >> 6) >> shift];
    reg = std::max(reg, DenseRankOf(e, precision_));
  }
  sparse_entries_.clear();
  sparse_entries_.shrink_to_fit();
  sparse_ = false;
}

std::vector<uint8_t> HyperLogLog::registers() const {
  if (!sparse_) return registers_;
  HyperLogLog copy = *this;
  copy.ToDense();
  return copy.registers_;
}

void HyperLogLog::Merge(const HyperLogLog& other) {
  DSIM_CHECK_MSG(other.precision_ == precision_, "merging HLL sketches of different precision");
  if (sparse_ && other.sparse_) {
    MergeSparseSorted(other.sparse_entries_);
    return;
  }
  ToDense();
  if (other.sparse_) {
    const int shift = kSparsePrecision - precision_;
    for (uint32_t e : other.sparse_entries_) {
      uint8_t& reg = registers_[(e >> 6) >> shift];
      reg = std::max(reg, DenseRankOf(e, precision_));
    }
    return;
  }
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

double HyperLogLog::LinearCountingThreshold() const {
  return kThresholds[precision_ - kMinPrecision];
}

double HyperLogLog::Estimate() const {
  if (sparse_) {
    // Linear counting over 2^25 virtual registers, of which sparse_entries_.size() are set.
    const double m_sparse = static_cast<double>(uint64_t{1} << kSparsePrecision);
    const double zeros = m_sparse - static_cast<double>(sparse_entries_.size());
    return m_sparse * DetLog(m_sparse / zeros);
  }
  const int q = 64 - precision_;
  const double m = static_cast<double>(registers_.size());
  // Histogram of register values 0..q+1.
  std::vector<uint64_t> counts(q + 2, 0);
  for (uint8_t r : registers_) ++counts[r];

  if (counts[0] > 0) {
    const double linear = m * DetLog(m / static_cast<double>(counts[0]));
    if (linear <= LinearCountingThreshold()) return linear;
  }
  // Ertl's improved raw estimator.
  double z = m * Tau(1.0 - static_cast<double>(counts[q + 1]) / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(counts[k]));
  z += m * Sigma(static_cast<double>(counts[0]) / m);
  const double alpha_inf = 1.0 / (2.0 * kDetLn2);
  // z is 0 only when every register holds q + 1 (Ertl's estimate is then infinite); no set of
  // 64-bit hashes has more than 2^64 distinct members, so that is the estimate's ceiling.
  const double ceiling = 18446744073709551616.0;  // 2^64
  if (z <= 0) return ceiling;
  return std::min(ceiling, alpha_inf * m * m / z);
}

std::string HyperLogLog::Serialize() const {
  std::string out;
  out.push_back(static_cast<char>(precision_));
  if (sparse_) {
    out.push_back(static_cast<char>(kSparseMarker));
    auto put32 = [&out](uint32_t v) {
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    put32(static_cast<uint32_t>(sparse_entries_.size()));
    for (uint32_t e : sparse_entries_) put32(e);
    return out;
  }
  out.append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
  return out;
}

absl::StatusOr<HyperLogLog> HyperLogLog::Deserialize(std::string_view bytes) {
  if (bytes.empty()) return absl::DataLossError("hll: empty");
  const int p = static_cast<uint8_t>(bytes[0]);
  if (p < kMinPrecision || p > kMaxPrecision) return absl::DataLossError("hll: bad precision");
  HyperLogLog h(p);
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[1]) == kSparseMarker) {
    auto get32 = [&bytes](size_t at) {
      uint32_t v = 0;
      for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(bytes[at + i])} << (8 * i);
      return v;
    };
    if (bytes.size() < 6) return absl::DataLossError("hll: bad length");
    const uint32_t count = get32(2);
    if (count > h.SparseLimit() || bytes.size() != 6 + size_t{4} * count) {
      return absl::DataLossError("hll: bad sparse length");
    }
    for (uint32_t i = 0; i < count; ++i) {
      const uint32_t e = get32(6 + size_t{4} * i);
      const uint32_t rank = e & 63;
      if (rank == 0 || rank > 65 - kSparsePrecision ||
          (e >> 6) >= (uint32_t{1} << kSparsePrecision) ||
          (i > 0 && (e >> 6) <= (h.sparse_entries_.back() >> 6))) {
        return absl::DataLossError("hll: bad sparse entry");
      }
      h.sparse_entries_.push_back(e);
    }
    return h;
  }
  if (bytes.size() != 1 + (size_t{1} << p)) return absl::DataLossError("hll: bad length");
  h.sparse_ = false;
  h.registers_.assign(size_t{1} << p, 0);
  for (size_t i = 0; i < h.registers_.size(); ++i) {
    const uint8_t r = static_cast<uint8_t>(bytes[1 + i]);
    if (r > 65 - p) return absl::DataLossError("hll: register out of range");
    h.registers_[i] = r;
  }
  return h;
}

}  // namespace dsim::engine
