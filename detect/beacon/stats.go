package beacon

import (
	"math"
	"slices"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// analysis is the scoring of one series, every part kept for the explanation.
type analysis struct {
	calls       int64 // calls seen
	unique      int   // distinct whole seconds among them
	first, last event.Time

	tsSkew, tsMAD, tsRITA float64 // timing: RITA's parts and their mean, on whole seconds
	coarseMedian          float64 // median gap between distinct whole seconds
	tsFine                float64 // the same on the gaps at full resolution (sub-second series)
	periodicity           float64 // share of the gaps between calls within 50 % of the period
	tsPeriod              float64 // timing seen through jitter: periodicity x (1 - jitter/2)
	ts                    float64 // the timing score used: mean of RITA's (or the fine one) and tsPeriod

	sized         bool
	dsSkew, dsMAD float64
	ds            float64
	sizeMedian    float64

	histCV, histBimodal, hist float64
	durSpan, durRun, dur      float64

	period float64 // seconds: the median gap between calls (bursts inside a call left out)
	jitter float64 // (Q3 - Q1) / period of those gaps

	score float64 // mean of ts, ds (when sized), hist, dur
}

// quartiles returns Tukey's hinges and the median of sorted x (len >= 1).
func quartiles(x []float64) (q1, q2, q3 float64) {
	n := len(x)
	q2 = median(x)
	half := (n + 1) / 2 // the halves include the median when n is odd
	q1 = median(x[:half])
	q3 = median(x[n-half:])
	return q1, q2, q3
}

// median of sorted x.
func median(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

// scratch holds the buffers analyze reuses from series to series.
type scratch struct {
	gaps, fine, ms, x, dev []float64
	bins, wbins            []int
}

// mad returns the median absolute deviation from m of x, using buf.
func mad(x []float64, m float64, buf *[]float64) float64 {
	d := (*buf)[:0]
	for _, v := range x {
		d = append(d, math.Abs(v-m))
	}
	slices.Sort(d)
	*buf = d
	return median(d)
}

// regularity scores a distribution as RITA does: 1 - |Bowley skew| (computed only when the
// interquartile range is at least minIQR and the median differs from both hinges, else the
// skew counts as 0) and (median - MAD) / median floored at 0, whose mean is returned too.
// smallMedian is the MAD part when the median is below 1.
func regularity(x []float64, minIQR, smallMedian float64, buf *[]float64) (skewPart, madPart, mean float64) {
	slices.Sort(x)
	q1, q2, q3 := quartiles(x)
	skew := 0.0
	if q3-q1 >= minIQR && q2 != q1 && q2 != q3 {
		skew = (q1 + q3 - 2*q2) / (q3 - q1)
	}
	skewPart = 1 - math.Abs(skew)
	if q2 < 1 {
		madPart = smallMedian
	} else {
		madPart = max(0, (q2-mad(x, q2, buf))/q2)
	}
	return skewPart, madPart, (skewPart + madPart) / 2
}

// analyze scores the sorted call times (microseconds) and sizes of a series.
func analyze(times []int64, sizes []uint32, sized bool, window detect.Window, buf *scratch) analysis {
	var a analysis
	a.calls = int64(len(times))
	if len(times) == 0 {
		return a
	}
	a.first, a.last = event.Time(times[0]), event.Time(times[len(times)-1])

	// Timing, RITA's way: gaps between distinct whole seconds.
	gaps := buf.gaps[:0]
	prev := int64(math.MinInt64)
	for _, t := range times {
		s := detect.FloorDiv(t, 1e6)
		if s != prev {
			if prev != math.MinInt64 {
				gaps = append(gaps, float64(s-prev))
			}
			a.unique++
			prev = s
		}
	}
	buf.gaps = gaps
	if len(gaps) > 0 {
		a.tsSkew, a.tsMAD, a.tsRITA = regularity(gaps, 10, 1, &buf.dev)
		a.coarseMedian = median(gaps) // gaps is sorted now
	}

	// Period and jitter at full resolution, bursts inside one call left out.
	fine := buf.fine[:0]
	for i := 1; i < len(times); i++ {
		if d := times[i] - times[i-1]; d > 0 {
			fine = append(fine, float64(d)/1e6)
		}
	}
	buf.fine = fine
	if len(fine) > 0 {
		slices.Sort(fine)
		m := median(fine)
		lo, _ := slices.BinarySearch(fine, m/4)
		core := fine[lo:]
		q1, q2, q3 := quartiles(core)
		a.period = q2
		if q2 > 0 {
			a.jitter = (q3 - q1) / q2
			in := 0
			for _, g := range core {
				if g >= 0.5*q2 && g <= 1.5*q2 {
					in++
				}
			}
			a.periodicity = float64(in) / float64(len(core))
		}
		a.tsPeriod = a.periodicity * (1 - min(a.jitter, 1)/2)
		ms := buf.ms[:0]
		for _, g := range core {
			ms = append(ms, g*1000)
		}
		buf.ms = ms
		_, _, a.tsFine = regularity(ms, 10, 1, &buf.dev) // in milliseconds, so that RITA's floors keep their sense
	}
	// RITA's timing looks at the quartiles and the median deviation: half the gaps equal
	// and the rest anything still reads as regular, and random (Poisson) calls score near
	// 0.6. The period part asks how many gaps sit near the period, and how tightly.
	base := a.tsRITA
	// Whole seconds cannot see the timing of chatter: when most seconds of a series hold a
	// call, its whole-second gaps are all 1 and read as a perfect 1 s heartbeat, however
	// irregular the calls. Then the gaps themselves are judged.
	if a.coarseMedian <= 1 {
		base = a.tsFine
	}
	a.ts = (base + a.tsPeriod) / 2

	// Sizes.
	a.sized = sized
	if sized && len(sizes) > 0 {
		x := buf.x[:0]
		for _, v := range sizes {
			x = append(x, float64(v))
		}
		buf.x = x
		a.dsSkew, a.dsMAD, a.ds = regularity(x, 10, 0, &buf.dev)
		a.sizeMedian = median(x)
	}

	// Histogram of the series' own span in 24 bins (fewer for a series of fewer than 48
	// calls, so that a bin holds two calls on average: a sparse histogram shows nothing): flat
	// (cv) or two-level (jittered or day/night) profiles score high.
	nb := 24
	if len(times) < 48 {
		nb = max(4, len(times)/2)
	}
	buf.bins = binCounts(buf.bins, times, int64(a.first), int64(a.last), nb)
	bins := buf.bins
	a.histCV, a.histBimodal = histParts(bins)
	a.hist = max(a.histCV, a.histBimodal)

	// Duration: how much of what the logs cover the series spans, or its longest run of
	// active bins among 24 over the whole window.
	if span := window.Span(); span > 0 {
		a.durSpan = min(1, float64(a.last-a.first)/float64(span))
		buf.wbins = binCounts(buf.wbins, times, int64(window.First), int64(window.Last), 24)
		wb := buf.wbins
		run, best := 0, 0
		for _, c := range wb {
			if c > 0 {
				run++
				best = max(best, run)
			} else {
				run = 0
			}
		}
		a.durRun = min(1, float64(best)/12)
		a.dur = max(a.durSpan, a.durRun)
	}

	parts := []float64{a.ts, a.hist, a.dur}
	if a.sized {
		parts = append(parts, a.ds)
	}
	for _, v := range parts {
		a.score += v
	}
	a.score /= float64(len(parts))
	return a
}

// binCounts counts times in n equal bins over [from, to], into buf.
func binCounts(buf []int, times []int64, from, to int64, n int) []int {
	bins := slices.Grow(buf[:0], n)[:n]
	clear(bins)
	span := to - from
	for _, t := range times {
		i := 0
		if span > 0 {
			i = int((t - from) * int64(n) / (span + 1))
		}
		if i >= 0 && i < n {
			bins[i]++
		}
	}
	return bins
}

// histParts scores a histogram: 1 - coefficient of variation (0 past 1), and, with at least
// 11 bins in use, the share of bins in the two most common height classes (classes 5 % of the
// tallest bar wide; one outlier bin forgiven).
func histParts(bins []int) (cv, bimodal float64) {
	n := float64(len(bins))
	sum, tallest, used := 0.0, 0, 0
	for _, c := range bins {
		sum += float64(c)
		tallest = max(tallest, c)
		if c > 0 {
			used++
		}
	}
	if sum == 0 {
		return 0, 0
	}
	mean := sum / n
	v := 0.0
	for _, c := range bins {
		d := float64(c) - mean
		v += d * d
	}
	if c := math.Sqrt(v/n) / mean; c <= 1 {
		cv = 1 - c
	}
	if used >= 11 {
		width := max(1, int(math.Round(0.05*float64(tallest))))
		var classes [24]int // at most one class a bin: count class sizes by sorting the classes
		n := 0
		for _, c := range bins {
			if c > 0 && n < len(classes) {
				classes[n] = c / width
				n++
			}
		}
		cl := classes[:n]
		slices.Sort(cl)
		var sizes []int
		for i := 0; i < len(cl); {
			j := i
			for j < len(cl) && cl[j] == cl[i] {
				j++
			}
			sizes = append(sizes, j-i)
			i = j
		}
		slices.Sort(sizes)
		top := sizes[len(sizes)-1]
		if len(sizes) > 1 {
			top += sizes[len(sizes)-2]
		}
		bimodal = min(1, float64(top)/float64(max(1, used-1)))
	}
	return cv, bimodal
}

// hourly is the series' calls per hour (wider bins past two days) for the explanation.
func hourly(times []int64) finding.Histogram {
	if len(times) == 0 {
		return finding.Histogram{}
	}
	const hour = int64(3600e6)
	start := detect.FloorDiv(times[0], hour) * hour
	hours := (times[len(times)-1]-start)/hour + 1
	bin := hour * ((hours + 47) / 48)
	counts := make([]int, (times[len(times)-1]-start)/bin+1)
	for _, t := range times {
		counts[(t-start)/bin]++
	}
	return finding.Histogram{Start: event.Time(start), Bin: bin / 1e6, Counts: counts}
}
