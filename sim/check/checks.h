// The checkers: judges of one finished run, apart from the system and never steering it. Each
// failure class reads the oracle's metrics of the run and the scenario's configuration, and asks
// two questions: does the configuration promise that this never happens (Promise), and did it
// happen (the observed count)? A check fails only when both hold, so a checker never flags what
// the configuration allows (periodic sync losing writes on power loss is Cassandra's contract,
// not a bug).
//
// The classes, their metric, their promise and the exit code `dsim run` returns when an enabled
// check ([checks] in the scenario) fails:
//   lost_writes  data_loss.cells > 0. Promised when every acknowledged write stays durable on
//                some replica (no power loss unless commitlog_sync = "batch"; fewer replace
//                faults plus nodes hit by corrupt_sstable faults than the acknowledgements a
//                write needs, W) and no tombstone can be
//                purged before the run ends (gc_grace exceeds the run's horizon plus every
//                clock's reach ahead of true time: twice clocks.offset_max, the positive clock
//                jumps, drift over the horizon): data_loss counts acknowledged deletes too.
//                Exit 6.
//   zombies      zombies.cells > 0. Promised as lost_writes is: a zombie is a delete lost, to
//                an early purge or to every durable copy of its tombstone going. Exit 7.
//   liveness     convergence.time null, or above checks.liveness_within. Promised when
//                liveness_within is set and the run ends whole: every node up (its last crash
//                or power loss followed by a restart or replace), every network fault and
//                drop_mutations window undone, a full repair after the last of them (dsim
//                swarm's liveness phase), every corrupt_sstable fault followed by a verify of
//                its node while up, before that repair (a corrupt SSTable found during the
//                repair is set aside whole, with rows of ranges already repaired),
//                and lost_writes promised (convergence is measured
//                against the winners; after a loss the replicas may agree on less). Exit 8.
//   stale_reads  reads.stale > 0. Promised when a read's replicas always include one that holds
//                every write acknowledged before the read began: R + W > RF, lost_writes
//                promised, and no replace or corrupt_sstable at all (a wiped or corrupted replica
//                answers reads without the data). Exit 9.
//   ledger       ledger.disagreements > 0: the independent ledger (sim/oracle/ledger.h) saw a
//                crash change a replica otherwise than the configured durability contract
//                allows, or recounted lost updates, data loss or zombies differently from the
//                oracle.
//                Always promised (it is a bug in dsim or in its storage engine, or a test
//                defect); measured only where [checks] ledger is on. Exit 10.
// The horizon is simulation.duration when set, else the later of the workload's end and the
// last fault (with its duration).
//
//   for (const CheckResult& r : EvaluateEnabled(scenario, output.metrics)) {
//     if (r.failed) return ExitCodeOf(r.check);
//   }
#ifndef DSIM_SIM_CHECK_CHECKS_H_
#define DSIM_SIM_CHECK_CHECKS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/metrics.h"
#include "sim/scenario/config.h"

namespace dsim::sim::check {

enum class CheckClass { kLostWrites, kZombies, kLiveness, kStaleReads, kLedger };
inline constexpr CheckClass kAllChecks[] = {CheckClass::kLostWrites, CheckClass::kZombies,
                                            CheckClass::kLiveness, CheckClass::kStaleReads,
                                            CheckClass::kLedger};

// "lost_writes", "zombies", "liveness", "stale_reads", "ledger".
const char* CheckClassName(CheckClass c);
std::optional<CheckClass> ParseCheckClass(std::string_view name);
// 6, 7, 8, 9, 10: what `dsim run` exits with when the check fails.
int ExitCodeOf(CheckClass c);

struct Promise {
  bool holds = false;
  std::string why;  // the reason, in the configuration's terms
};
// What the configuration promises for class c (see the header comment).
Promise PromiseOf(CheckClass c, const Scenario& scenario);

struct CheckResult {
  CheckClass check = CheckClass::kLostWrites;
  bool enabled = false;  // the scenario's [checks] asks for it
  Promise promise;
  std::optional<double> observed;  // the count (liveness: convergence.time; nullopt: null)
  bool failed = false;             // promised, and broken
  std::string detail;              // one line: what was observed against what was promised
};

// Class c on this run, enabled or not. A metric the check needs that the run lacks (not a kv
// run) counts as observed nothing.
CheckResult Evaluate(CheckClass c, const Scenario& scenario, const MetricSet& metrics);
// Every class the scenario's [checks] enables, in kAllChecks order.
std::vector<CheckResult> EvaluateEnabled(const Scenario& scenario, const MetricSet& metrics);
bool Enabled(CheckClass c, const Scenario& scenario);

// The instant after which nothing the scenario schedules happens (see the header comment).
Nanos Horizon(const Scenario& scenario);

}  // namespace dsim::sim::check

#endif  // DSIM_SIM_CHECK_CHECKS_H_
