package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// legacyDir holds checkpoints of an earlier build (see its README.md).
const legacyDir = "../train/testdata/legacy"

// TestLegacyCalibration: the calibration record of a checkpoint written by
// an earlier build reads back as that build wrote it; a checkpoint saved
// before training finished has none.
func TestLegacyCalibration(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(legacyDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Calibration map[string]string `json:"calibration"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	ck, err := Load(filepath.Join(legacyDir, "model.ocgan"))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ck.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	g := golden.Calibration
	want := Calibration{Method: g["method"], ValScoreMean: parse(t, g["val_score_mean"]), ValScoreStd: parse(t, g["val_score_std"])}
	if cal != want || ck.Train.Threshold != parse(t, g["threshold"]) || cal.ValScoreStd == 0 {
		t.Errorf("calibration %+v threshold %v, want %+v threshold %s", cal, ck.Train.Threshold, want, g["threshold"])
	}
	inter, err := Load(filepath.Join(legacyDir, "interrupted.ocgan"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inter.Calibration(); !errors.Is(err, ErrNoCalibration) {
		t.Errorf("interrupted checkpoint: calibration error %v, want ErrNoCalibration", err)
	}
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestCalibrationRoundTrip: a record survives Encode and Decode exactly,
// other Meta entries included.
func TestCalibrationRoundTrip(t *testing.T) {
	for _, want := range []Calibration{
		{Method: "quantile 0.95 of 7 validation scores", ValScoreMean: 0.1 + 0.2, ValScoreStd: math.SmallestNonzeroFloat64},
		{Method: "F1-optimal", ValScoreMean: -1e300, ValScoreStd: 0},
	} {
		ck := small()
		ck.Meta = map[string]string{"dataset": "mnist"}
		ck.SetCalibration(want)
		var buf bytes.Buffer
		if err := Encode(&buf, ck); err != nil {
			t.Fatal(err)
		}
		back, err := Decode(&buf, DefaultMaxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := back.Calibration(); err != nil || got != want || back.Meta["dataset"] != "mnist" {
			t.Errorf("after the round trip: %+v, %v, meta %v; want %+v", got, err, back.Meta, want)
		}
	}
	var empty Checkpoint
	empty.SetCalibration(Calibration{Method: "m"})
	if got, err := empty.Calibration(); err != nil || got.Method != "m" {
		t.Errorf("checkpoint without Meta: %+v, %v", got, err)
	}
}

// TestCalibrationErrors: a record with a missing or malformed entry is a
// *MetaError naming the entry.
func TestCalibrationErrors(t *testing.T) {
	full := map[string]string{MetaThresholdMethod: "m", MetaValScoreMean: "0.5", MetaValScoreStd: "0.1"}
	tests := []struct {
		name, key, value string
		drop             bool
	}{
		{name: "no method", key: MetaThresholdMethod, drop: true},
		{name: "no mean", key: MetaValScoreMean, drop: true},
		{name: "no std", key: MetaValScoreStd, drop: true},
		{name: "bad mean", key: MetaValScoreMean, value: "half"},
		{name: "bad std", key: MetaValScoreStd, value: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ck := &Checkpoint{Meta: map[string]string{}}
			for k, v := range full {
				ck.Meta[k] = v
			}
			if tc.drop {
				delete(ck.Meta, tc.key)
			} else {
				ck.Meta[tc.key] = tc.value
			}
			_, err := ck.Calibration()
			var me *MetaError
			if !errors.As(err, &me) || me.Key != tc.key || me.Value != tc.value {
				t.Errorf("error %v, want a *MetaError for %s %q", err, tc.key, tc.value)
			}
		})
	}
}
