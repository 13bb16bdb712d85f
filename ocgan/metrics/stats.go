package metrics

import "math"

// MeanStd returns the mean and the sample standard deviation (divisor
// n-1, Bessel-corrected, like numpy.std(ddof=1) or Python's
// statistics.stdev) of values, as used for "mean ± std over seeds".
// For n = 1 the std is 0. For n = 0 both results are NaN.
// A NaN value propagates to both results. Two passes: the mean first,
// then the squared deviations from it.
func MeanStd(values []float64) (mean, std float64) {
	n := len(values)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range values {
		mean += v
	}
	mean /= float64(n)
	if n == 1 {
		if math.IsNaN(mean) {
			return mean, mean
		}
		return mean, 0
	}
	var ss float64
	for _, v := range values {
		d := v - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(n-1))
}
