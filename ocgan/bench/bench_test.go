package bench

import (
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/model"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
)

func TestRunReportsEveryPart(t *testing.T) {
	be, err := cpuprogram.Open(cpu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	var parts []string
	r, err := Run(be, Options{TrainBatch: 4, ScoreBatch: 8, Warmup: 1, Iters: 2, AEIters: 2, ScoreIters: 2, Latency: 3,
		Progress: func(p string) { parts = append(parts, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 4 || !strings.Contains(parts[0], "(1 warm-up + 2 timed)") {
		t.Errorf("progress parts %q, want 4, the first with 1 warm-up and 2 timed iterations", parts)
	}
	if r.Backend != "cpu" || r.Model != "MNIST28" || r.ImageSize != 28 || r.Channels != 1 || r.Latent != 16 || r.Train.N != 2 || r.AETrain.N != 2 || r.Score.N != 2 || r.Batch1.N != 3 {
		t.Errorf("report header or counts wrong: %+v", r)
	}
	for name, v := range map[string]float64{"train": r.TrainImagesPerSec, "ae": r.AETrainImagesPerSec,
		"score": r.ScoreImagesPerSec, "batch1": r.ScoreBatch1MS, "p99": r.ScoreBatch1P99MS, "rss": r.PeakRSSMiB, "train rss": r.TrainPeakRSSMiB} {
		if !(v > 0) {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	if r.TrainPeakRSSMiB > r.PeakRSSMiB {
		t.Errorf("peak RSS while training %v > peak RSS of the run %v", r.TrainPeakRSSMiB, r.PeakRSSMiB)
	}
	if r.ScoreBatch1P99MS < r.ScoreBatch1MS {
		t.Errorf("p99 %v < median %v", r.ScoreBatch1P99MS, r.ScoreBatch1MS)
	}
	if r.Profile != nil {
		t.Errorf("a profile without Options.Profile: %+v", r.Profile)
	}
}

// TestRunProfile: with Options.Profile the report says where an
// Algorithm-1 iteration's time went, phase by phase in Algorithm 1's order
// (mining 5 times per iteration), and a batch-1 score's; the nodes' times
// add up to no more than the measured times, and WriteProfile prints them.
func TestRunProfile(t *testing.T) {
	be, err := cpuprogram.Open(cpu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	r, err := Run(be, Options{TrainBatch: 4, ScoreBatch: 8, Warmup: 1, Iters: 2, AEIters: 1, ScoreIters: 1, Latency: 3, Profile: true})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Profile
	if p == nil || len(p.Train) == 0 || len(p.Batch1) == 0 {
		t.Fatalf("profile %+v", p)
	}
	var phases []string
	var train float64
	for _, n := range p.Train {
		if len(phases) == 0 || phases[len(phases)-1] != n.Phase {
			phases = append(phases, n.Phase)
		}
		want := 1.0
		if n.Phase == "mining" {
			want = 5
		}
		if n.Runs != want || n.MS < 0 {
			t.Errorf("%s %s: %v runs, %v ms; want %v runs", n.Phase, n.Node, n.Runs, n.MS, want)
		}
		train += n.MS
	}
	if strings.Join(phases, ",") != "classifier,discriminator,mining,generator" {
		t.Errorf("phases %v", phases)
	}
	// The profile averages the timed iterations; their slowest bounds it.
	if train <= 0 || train > r.Train.P99MS {
		t.Errorf("the nodes of an iteration took %v ms, the slowest timed iteration %v ms", train, r.Train.P99MS)
	}
	var score float64
	for _, n := range p.Batch1 {
		if n.Phase != "score" || n.Runs != 1 {
			t.Errorf("batch-1 score: %+v", n)
		}
		score += n.MS
	}
	if score <= 0 || score > r.Batch1.P99MS {
		t.Errorf("the nodes of a batch-1 score took %v ms, the slowest score %v ms", score, r.Batch1.P99MS)
	}
	var b strings.Builder
	if err := WriteProfile(&b, p, 5); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"profile of one Algorithm-1 iteration", "by phase: classifier", "mining", "profile of one batch-1 score", "conv2d"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteProfile lacks %q:\n%s", want, b.String())
		}
	}
}

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	s := summarize(ms(40, 10, 30, 20), 8)
	if s.MedianMS != 25 || s.MinMS != 10 || s.P99MS != 40 || s.ImagesPerSec != 8/0.025 || s.N != 4 {
		t.Errorf("summarize: %+v", s)
	}
}

// TestWarmupDefaults checks the warm-up counts Options give: 5 for zero,
// none for a negative count.
func TestWarmupDefaults(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 5}, {-1, 0}, {3, 3}} {
		o := Options{Warmup: c.in}
		o.defaults()
		if o.Warmup != c.want {
			t.Errorf("Warmup %d: %d untimed iterations, want %d", c.in, o.Warmup, c.want)
		}
	}
}

// TestForwardFlops checks the scoring work of the MNIST28 model against
// its layers counted by hand: encoder 1→64→128→256 (28→14→7→4) and a 5×5
// convolution with padding 1 to L = 16 at 1×1; decoder back from 1×1
// through 256, 128 and 64 channels to one (4→7→14→28). Every layer has
// 5×5 taps; those that fall on padding are counted, as the kernels compute
// them.
func TestForwardFlops(t *testing.T) {
	got, err := ForwardFlops(model.MNIST28())
	if err != nil {
		t.Fatal(err)
	}
	enc := 2.0 * (64*14*14*1*25 + 128*7*7*64*25 + 256*4*4*128*25 + 16*1*1*256*25)
	dec := 2.0 * (16*1*1*256*25 + 256*4*4*128*25 + 128*7*7*64*25 + 64*14*14*1*25)
	if got != enc+dec {
		t.Errorf("MNIST28 forward: %v FLOP, want %v", got, enc+dec)
	}
}
