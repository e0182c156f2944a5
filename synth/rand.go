package synth

import "math"

// rng is xoshiro256** seeded through splitmix64. The generator keeps its own generator and
// distributions (rather than math/rand) so that a seed writes the same bytes on every Go
// release.
type rng struct{ s0, s1, s2, s3 uint64 }

func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRNG returns a generator for a seed and a stream number: streams of one seed are
// independent, so the planted cases do not move when the background changes.
func newRNG(seed int64, stream uint64) *rng {
	x := uint64(seed) ^ (stream * 0xd1b54a32d192ed03)
	r := &rng{splitmix(&x), splitmix(&x), splitmix(&x), splitmix(&x)}
	if r.s0|r.s1|r.s2|r.s3 == 0 {
		r.s0 = 1
	}
	return r
}

func rotl(x uint64, k uint) uint64 { return x<<k | x>>(64-k) }

func (r *rng) u64() uint64 {
	res := rotl(r.s1*5, 7) * 9
	t := r.s1 << 17
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = rotl(r.s3, 45)
	return res
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) * (1.0 / (1 << 53)) }

// intn returns a number in [0, n); n must be > 0.
func (r *rng) intn(n int) int {
	hi, _ := mul64(r.u64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(r.intn(int(hi-lo+1)))
}

func mul64(x, y uint64) (hi, lo uint64) {
	const mask32 = 1<<32 - 1
	x0, x1 := x&mask32, x>>32
	y0, y1 := y&mask32, y>>32
	w0 := x0 * y0
	t := x1*y0 + w0>>32
	w1, w2 := t&mask32, t>>32
	w1 += x0 * y1
	return x1*y1 + w2 + w1>>32, x * y
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// exp returns an exponential variate with mean 1.
func (r *rng) exp() float64 { return -math.Log(1 - r.float()) }

// norm returns a standard normal variate (Box-Muller; one value per call keeps the stream
// simple).
func (r *rng) norm() float64 {
	u1 := 1 - r.float()
	u2 := r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// lognorm returns a log-normal variate with the given median and sigma (of the log).
func (r *rng) lognorm(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.norm())
}

// lognormInt is lognorm rounded and clamped to [lo, hi].
func (r *rng) lognormInt(median, sigma float64, lo, hi int64) int64 {
	v := int64(r.lognorm(median, sigma) + 0.5)
	return min(max(v, lo), hi)
}

// poisson returns a Poisson variate with mean lambda (a normal approximation above 60).
func (r *rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 60 {
		v := math.Round(lambda + math.Sqrt(lambda)*r.norm())
		return max(int(v), 0)
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.float()
		if p <= l {
			return k
		}
		k++
	}
}

// pick returns one of the items with the weights given.
func (r *rng) pick(weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	u := r.float() * sum
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

// cdf is a cumulative distribution over n items, sampled by binary search.
type cdf []float64

// newCDF builds the distribution from weights.
func newCDF(weights []float64) cdf {
	c := make(cdf, len(weights))
	var sum float64
	for i, w := range weights {
		sum += w
		c[i] = sum
	}
	for i := range c {
		c[i] /= sum
	}
	return c
}

// zipfCDF is a Zipf-Mandelbrot popularity over n ranks: weight 1/(rank+q)^s.
func zipfCDF(n int, s, q float64) cdf {
	w := make([]float64, n)
	for i := range w {
		w[i] = math.Pow(float64(i+1)+q, -s)
	}
	return newCDF(w)
}

// sample returns the first item whose cumulative weight reaches a uniform draw.
func (c cdf) sample(r *rng) int {
	u := r.float()
	lo, hi := 0, len(c)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c[m] < u {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
