package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// legacyDir holds checkpoints written before the training checkpoint
// format moved into this package (see its README.md).
const legacyDir = "testdata/legacy"

// legacyGolden is the part of legacyDir/golden.json this package checks.
type legacyGolden struct {
	ModelState       stateGolden `json:"model_state"`
	InterruptedState stateGolden `json:"interrupted_state"`
}

// stateGolden describes a resume state: counters, history and the
// SHA-256 of its values (see hashValues).
type stateGolden struct {
	Epoch      int    `json:"epoch"`
	Iteration  int    `json:"iteration"`
	Counter    uint64 `json:"counter"`
	ElapsedNS  int64  `json:"elapsed_ns"`
	Stopped    bool   `json:"stopped"`
	BestEpoch  int    `json:"best_epoch"`
	BestValMSE string `json:"best_val_mse"`
	History    []struct {
		Epoch  int                `json:"epoch"`
		ValMSE string             `json:"val_mse"`
		Mining bool               `json:"mining"`
		Losses map[string]float64 `json:"losses"`
	} `json:"history"`
	Config       string `json:"config"`
	ParamsSHA256 string `json:"params_sha256"`
	BestSHA256   string `json:"best_sha256"`
	BestNil      bool   `json:"best_nil"`
	AdamSHA256   string `json:"adam_sha256"`
	Threshold    string `json:"threshold"`
	Seed         uint64 `json:"seed"`
}

// hashValues is the SHA-256 of the values of m by name in name order, each
// name followed by its values' little-endian bits.
func hashValues(m map[string][]float32) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		io.WriteString(h, n)
		for _, v := range m[n] {
			binary.Write(h, binary.LittleEndian, math.Float32bits(v))
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// goldenOf describes s (of a checkpoint with ck.Train) as golden.json does.
func goldenOf(t *testing.T, s State, ck *checkpoint.Checkpoint) stateGolden {
	t.Helper()
	adam := map[string][]float32{}
	for k, a := range s.Adam {
		adam[k+"/m"], adam[k+"/v"], adam[k+"/steps"] = a.M, a.V, []float32{float32(a.Steps)}
	}
	cfg, err := json.Marshal(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	g := stateGolden{Epoch: s.Epoch, Iteration: s.Iteration, Counter: s.Counter, ElapsedNS: int64(s.Elapsed), Stopped: s.Stopped,
		BestEpoch: s.BestEpoch, BestValMSE: FormatFloat(s.BestValMSE), Config: string(cfg),
		ParamsSHA256: hashValues(s.Params), BestSHA256: hashValues(s.Best), BestNil: s.Best == nil, AdamSHA256: hashValues(adam),
		Threshold: FormatFloat(ck.Train.Threshold), Seed: ck.Train.Seed}
	g.History = make([]struct {
		Epoch  int                `json:"epoch"`
		ValMSE string             `json:"val_mse"`
		Mining bool               `json:"mining"`
		Losses map[string]float64 `json:"losses"`
	}, len(s.History))
	for i, h := range s.History {
		g.History[i].Epoch, g.History[i].ValMSE, g.History[i].Mining, g.History[i].Losses = h.Epoch, FormatFloat(h.ValMSE), h.Mining, h.Losses
	}
	return g
}

// TestLegacyCheckpointsResume: the checkpoints of an earlier build give
// the resume state that build read from them, bit for bit, and restore
// into a trainer of their configuration.
func TestLegacyCheckpointsResume(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(legacyDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden legacyGolden
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		want   stateGolden
		done   bool
		status string
	}{
		{"model.ocgan", golden.ModelState, true, StatusDone},
		{"interrupted.ocgan", golden.InterruptedState, false, EpochStatus(1, 2)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ck, err := checkpoint.Load(filepath.Join(legacyDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			s, err := ResumeState(ck)
			if err != nil {
				t.Fatal(err)
			}
			if s.Config.LatentWeight != results.EarlierLatentWeight {
				t.Errorf("latent weight %v read from a checkpoint without one, want %v", s.Config.LatentWeight, results.EarlierLatentWeight)
			}
			// The earlier build's configuration had no latent weight: it
			// trained with results.EarlierLatentWeight, which it reads as now.
			want := tc.want
			var cfg Config
			if err := json.Unmarshal([]byte(want.Config), &cfg); err != nil {
				t.Fatal(err)
			}
			cfg.LatentWeight = results.EarlierLatentWeight
			raw, err := json.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			want.Config = string(raw)
			if got := goldenOf(t, s, ck); !reflect.DeepEqual(got, want) {
				t.Errorf("resume state\n%+v\nwant\n%+v", got, want)
			}
			r, err := ReadRecord(ck)
			if err != nil || r.Done() != tc.done || r.Status != tc.status || Interrupted(ck) == tc.done {
				t.Errorf("record: %v, done %v status %q interrupted %v; want done %v status %q", err, r.Done(), r.Status, Interrupted(ck), tc.done, tc.status)
			}
			tr := newTrainer(t, newCPUBackend(t), s.Config)
			if err := tr.Restore(s); err != nil {
				t.Fatalf("restoring: %v", err)
			}
		})
	}
}

// TestCheckpointRoundTrip: the checkpoint of a trainer's state, encoded
// and decoded, gives back that state, best-epoch values included.
func TestCheckpointRoundTrip(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 1
	tr := newTrainer(t, newCPUBackend(t), cfg)
	if _, err := tr.Run(syntheticSplit(t, 8, 4, 4), nil); err != nil {
		t.Fatal(err)
	}
	s, err := tr.State()
	if err != nil {
		t.Fatal(err)
	}
	ck, err := tr.Checkpoint(s, map[string]string{"dataset": "synthetic", MetaStatus: StatusDone}, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, ck); err != nil {
		t.Fatal(err)
	}
	back, err := checkpoint.Decode(&buf, checkpoint.DefaultMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ResumeState(back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(goldenOf(t, got, back), goldenOf(t, s, ck)) || !reflect.DeepEqual(got.History, s.History) {
		t.Errorf("state after the round trip differs:\n%+v\nwant\n%+v", goldenOf(t, got, back), goldenOf(t, s, ck))
	}
	if back.Train.Threshold != 0.25 || back.Meta["dataset"] != "synthetic" || Interrupted(back) {
		t.Errorf("threshold %v, meta %v", back.Train.Threshold, back.Meta)
	}
}

// TestCheckResume: a checkpoint resumes only a run of its architecture,
// settings and seed, and only when it holds a training record.
func TestCheckResume(t *testing.T) {
	ck, err := checkpoint.Load(filepath.Join(legacyDir, "interrupted.ocgan"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ResumeState(ck)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"dataset", "class", "batch"}
	settings := map[string]string{"dataset": "folder", "class": "0", "batch": "4"}
	other := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range settings {
			m[a] = b
		}
		m[k] = v
		return m
	}
	bigger := s.Config
	bigger.Geometry.Latent = 8
	reseeded := s.Config
	reseeded.Seed = 6
	noRecord := *ck
	noRecord.Meta = map[string]string{"dataset": "folder"}
	tests := []struct {
		name     string
		ck       *checkpoint.Checkpoint
		cfg      Config
		settings map[string]string
		arch     bool
		noRecord bool
		setting  *SettingError
	}{
		{name: "same", ck: ck, cfg: s.Config, settings: settings},
		{name: "class", ck: ck, cfg: s.Config, settings: other("class", "1"), setting: &SettingError{"class", "0", "1"}},
		{name: "batch", ck: ck, cfg: s.Config, settings: other("batch", "8"), setting: &SettingError{"batch", "4", "8"}},
		{name: "seed", ck: ck, cfg: reseeded, settings: settings, setting: &SettingError{"seed", "5", "6"}},
		{name: "architecture", ck: ck, cfg: bigger, settings: settings, arch: true},
		{name: "no record", ck: &noRecord, cfg: s.Config, settings: settings, noRecord: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckResume(tc.ck, tc.cfg, tc.settings, keys)
			var se *SettingError
			switch {
			case tc.setting != nil:
				if !errors.As(err, &se) || *se != *tc.setting {
					t.Errorf("error %v, want %+v", err, tc.setting)
				}
			case tc.arch:
				if !errors.Is(err, checkpoint.ErrArchitecture) {
					t.Errorf("error %v, want an architecture mismatch", err)
				}
			case tc.noRecord:
				if !errors.Is(err, ErrNoRecord) {
					t.Errorf("error %v, want ErrNoRecord", err)
				}
			case err != nil:
				t.Errorf("error %v", err)
			}
		})
	}
}

// TestReadRecordErrors: a malformed record is an error naming its part.
func TestReadRecordErrors(t *testing.T) {
	tests := []struct {
		config, run, want string
	}{
		{"{", `{"history":[]}`, "training configuration"},
		{"{}", "[", "training state"},
		{"{}", `{"history":[{"epoch":1,"val_mse":"x"}]}`, "training state"},
	}
	for _, tc := range tests {
		ck := &checkpoint.Checkpoint{Meta: map[string]string{MetaConfig: tc.config, MetaRun: tc.run}}
		_, err := ReadRecord(ck)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q run %q: error %v, want %q", tc.config, tc.run, err, tc.want)
		}
		if _, err := ResumeState(ck); err == nil {
			t.Errorf("config %q run %q: ResumeState accepted it", tc.config, tc.run)
		}
	}
}
