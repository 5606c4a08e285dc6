// Cost per call of the deterministic DetLog, DetLog2, DetExp and DetPow next to libm's
// std::log, std::log2, std::exp and std::pow, on the arguments the simulator's draws use:
// uniforms in (0, 1] for log (exponential and polar-normal draws), lognormal exponents in
// [-20, 20] for exp, and Zipf weights rank^-s (rank up to 10^6, s in [0, 2]) for pow.
// Calls are independent, so this measures throughput, not latency.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/det_math.h"

namespace dsim::engine {
namespace {

constexpr size_t kInputs = 4096;  // a power of two: the index wraps with a mask

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in (0, 1].
double Unit(uint64_t& state) { return static_cast<double>((SplitMix(state) >> 11) + 1) * 0x1p-53; }

struct Inputs {
  std::vector<double> log_x, exp_x, pow_x, pow_y;
  Inputs() {
    uint64_t state = 42;
    for (size_t i = 0; i < kInputs; ++i) {
      log_x.push_back(Unit(state));
      exp_x.push_back(40.0 * Unit(state) - 20.0);
      pow_x.push_back(static_cast<double>(1 + SplitMix(state) % 1'000'000));
      pow_y.push_back(-2.0 * Unit(state));
    }
  }
};

const Inputs& Shared() {
  static const Inputs* inputs = new Inputs();
  return *inputs;
}

template <double (*F)(double)>
void Unary(benchmark::State& state, const std::vector<double>& x) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(F(x[i]));
    i = (i + 1) & (kInputs - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

template <double (*F)(double, double)>
void Binary(benchmark::State& state) {
  const Inputs& in = Shared();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(F(in.pow_x[i], in.pow_y[i]));
    i = (i + 1) & (kInputs - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

// libm through plain functions, so that both sides are called the same way.
double StdLog(double x) { return std::log(x); }
double StdLog2(double x) { return std::log2(x); }
double StdExp(double x) { return std::exp(x); }
double StdPow(double x, double y) { return std::pow(x, y); }

void BM_DetLog(benchmark::State& s) { Unary<DetLog>(s, Shared().log_x); }
void BM_StdLog(benchmark::State& s) { Unary<StdLog>(s, Shared().log_x); }
void BM_DetLog2(benchmark::State& s) { Unary<DetLog2>(s, Shared().log_x); }
void BM_StdLog2(benchmark::State& s) { Unary<StdLog2>(s, Shared().log_x); }
void BM_DetExp(benchmark::State& s) { Unary<DetExp>(s, Shared().exp_x); }
void BM_StdExp(benchmark::State& s) { Unary<StdExp>(s, Shared().exp_x); }
void BM_DetPow(benchmark::State& s) { Binary<DetPow>(s); }
void BM_StdPow(benchmark::State& s) { Binary<StdPow>(s); }
BENCHMARK(BM_DetLog);
BENCHMARK(BM_StdLog);
BENCHMARK(BM_DetLog2);
BENCHMARK(BM_StdLog2);
BENCHMARK(BM_DetExp);
BENCHMARK(BM_StdExp);
BENCHMARK(BM_DetPow);
BENCHMARK(BM_StdPow);

}  // namespace
}  // namespace dsim::engine
