#include "sim/kv/window_recorder.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "sim/kv/coordinator.h"
#include "sim/oracle/oracle.h"

namespace dsim::sim {
namespace {

std::string Label(const std::string& kind, const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return absl::StrCat("windows.", kind, ".", out);
}

std::optional<double> Ratio(uint64_t num, uint64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

void SetOptional(MetricSet* m, const std::string& path, std::optional<double> v,
                 std::string_view unit) {
  if (v.has_value()) {
    m->Set(path, *v, unit);
  } else {
    m->SetNull(path, unit);
  }
}

void ExportOps(MetricSet* m, const std::string& prefix, uint64_t ok, uint64_t failed,
               const LatencyHistogram& latency) {
  m->Set(prefix + ".decided", ok + failed, "ops");
  SetOptional(m, prefix + ".availability", Ratio(ok, ok + failed), "ratio");
  std::optional<double> p50, p99;
  if (latency.count() > 0) {
    p50 = ToSeconds(latency.Percentile(50, 100));
    p99 = ToSeconds(latency.Percentile(99, 100));
  }
  SetOptional(m, prefix + ".latency.p50", p50, "s");
  SetOptional(m, prefix + ".latency.p99", p99, "s");
}

}  // namespace

WindowRecorder::WindowRecorder(const Coordinator* coordinator, Oracle* oracle)
    : coordinator_(coordinator), oracle_(oracle) {
  Cut(0);
}

void WindowRecorder::Cut(Nanos now) {
  DSIM_CHECK(snapshots_.empty() || now >= snapshots_.back().time);
  if (!snapshots_.empty() && snapshots_.back().time == now) {
    // Several edges at one instant: one snapshot (nothing can be decided between them).
    Snapshot& last = snapshots_.back();
    last.span_max = std::max(last.span_max, oracle_->TakeSpanMax());
    return;
  }
  Snapshot s;
  s.time = now;
  s.writes_ok = coordinator_->writes_succeeded();
  s.writes_failed = coordinator_->writes_failed();
  s.reads_ok = coordinator_->reads_succeeded();
  s.reads_failed = coordinator_->reads_failed();
  s.write_latency = coordinator_->write_latency();
  s.read_latency = coordinator_->read_latency();
  s.area = oracle_->divergence_area_until(now);
  s.span_max = oracle_->TakeSpanMax();
  snapshots_.push_back(std::move(s));
}

size_t WindowRecorder::LastAtOrBefore(Nanos t) const {
  auto it = std::upper_bound(snapshots_.begin(), snapshots_.end(), t,
                             [](Nanos v, const Snapshot& s) { return v < s.time; });
  DSIM_CHECK(it != snapshots_.begin());
  return static_cast<size_t>(it - snapshots_.begin()) - 1;
}

size_t WindowRecorder::FirstAtOrAfter(Nanos t) const {
  auto it = std::lower_bound(snapshots_.begin(), snapshots_.end(), t,
                             [](const Snapshot& s, Nanos v) { return s.time < v; });
  DSIM_CHECK(it != snapshots_.end());
  return static_cast<size_t>(it - snapshots_.begin());
}

void WindowRecorder::ExportWindow(const std::string& label, Nanos start, Nanos end,
                                  MetricSet* m) const {
  const Snapshot& a = snapshots_[LastAtOrBefore(start)];
  const size_t bi = FirstAtOrAfter(end);
  const Snapshot& b = snapshots_[bi];
  m->Set(label + ".start", ToSeconds(start), "s");
  m->Set(label + ".end", ToSeconds(end), "s");
  ExportOps(m, label + ".ops.write", b.writes_ok - a.writes_ok, b.writes_failed - a.writes_failed,
            b.write_latency.Since(a.write_latency));
  ExportOps(m, label + ".ops.read", b.reads_ok - a.reads_ok, b.reads_failed - a.reads_failed,
            b.read_latency.Since(a.read_latency));
  // The span maxima of the snapshots after a up to b cover (a.time, b.time]; the count at the
  // window's start is the span start of the first of them.
  uint64_t worst = 0;
  for (size_t i = LastAtOrBefore(start) + 1; i <= bi; ++i) {
    worst = std::max(worst, snapshots_[i].span_max);
  }
  m->Set(label + ".divergent_cells_max", worst, "cells");
  m->Set(label + ".divergence_area", b.area - a.area, "cell*s");
}

void WindowRecorder::ExportTo(const std::vector<KvPhaseConfig>& phases,
                              const std::vector<AppliedFault>& faults, Nanos end,
                              MetricSet* metrics) const {
  DSIM_CHECK(!snapshots_.empty() && snapshots_.back().time == end);
  Nanos at = 0;
  for (size_t i = 0; i < phases.size() && at < end; ++i) {
    const KvPhaseConfig& p = phases[i];
    const bool unique = std::count_if(phases.begin(), phases.end(), [&](const KvPhaseConfig& q) {
                          return q.name == p.name;
                        }) == 1;
    const Nanos phase_end = std::min(end, at + p.duration);
    ExportWindow(Label("phase", unique && !p.name.empty() ? p.name : absl::StrCat(i)), at,
                 phase_end, metrics);
    at = phase_end;
  }
  for (const AppliedFault& f : faults) {
    if (!f.lasting) continue;
    const std::string name = f.name.empty() ? absl::StrCat(f.index) : f.name;
    ExportWindow(Label("fault", name), f.start, f.end.value_or(end), metrics);
  }
}

}  // namespace dsim::sim
