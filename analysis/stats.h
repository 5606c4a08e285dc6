// Descriptive statistics of one metric over the runs of a parameter point: count, mean, sample
// standard deviation, min, p50, p95, max and a 95 % confidence interval of the mean (Student t),
// plus the number of null values ("not converged" / undefined), which are counted and never
// averaged as zeros.
//
// Everything is computed from the values in the order given (the caller passes them in canonical
// seed order), so the result is bit-for-bit the same whatever order the runs finished in.
//
//   Summary s = Summarize({1.0, 2.0, std::nullopt, 4.0});   // count 3, nulls 1, mean 2.333...
//   double t = StudentTQuantile(0.975, 19);                 // 2.0930240544...
#ifndef DSIM_ANALYSIS_STATS_H_
#define DSIM_ANALYSIS_STATS_H_

#include <cstddef>
#include <optional>
#include <vector>

namespace dsim::analysis {

struct Summary {
  size_t count = 0;  // non-null values
  size_t nulls = 0;  // null values (e.g. a run that never converged)
  // Null when count == 0.
  std::optional<double> mean, min, p50, p95, max;
  // Sample standard deviation (n - 1 in the denominator) and the 95 % confidence interval of the
  // mean, mean -/+ t(0.975, n - 1) * stddev / sqrt(n). Null when count < 2.
  std::optional<double> stddev, ci95_low, ci95_high;
};

// REQUIRES: every non-null value is finite.
Summary Summarize(const std::vector<std::optional<double>>& values);

// The p-quantile of sorted values by linear interpolation between order statistics (Hyndman and
// Fan type 7, the default of R and NumPy): h = (n - 1) p, x[floor h] + (h - floor h) (x[floor h
// + 1] - x[floor h]). REQUIRES: sorted is non-empty and ascending, 0 <= p <= 1.
double Quantile(const std::vector<double>& sorted, double p);

// The cumulative distribution function of Student's t with `df` degrees of freedom, through the
// regularized incomplete beta function. REQUIRES: df > 0.
double StudentTCdf(double t, double df);

// The p-quantile of Student's t (the inverse of StudentTCdf), found by bisection to full double
// precision. REQUIRES: 0 < p < 1, df > 0.
double StudentTQuantile(double p, double df);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_STATS_H_
