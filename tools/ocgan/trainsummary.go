package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
)

// trainSummary is the outcome of a trainJob.
type trainSummary struct {
	*pipeline.Summary
	// Test is the end evaluation of a run on --dataset images (nil for the
	// datasets with protocols), on the images TestImages describes;
	// TunedOnTest says the threshold was chosen on its novel images.
	Test        *detection
	TestImages  string
	TunedOnTest bool
}

// JSON is the summary as `ocgan train --json` prints it.
func (s *trainSummary) JSON() map[string]any {
	m := map[string]any{"auc": finite(s.AUC), "best_epoch": s.Result.BestEpoch, "best_val_mse": finite(s.Result.BestValMSE),
		"threshold": s.Threshold.Value, "threshold_method": s.Threshold.Method,
		"iterations": s.Result.Iterations, "images_per_sec": s.ImagesPerSec(), "stopped_by_budget": s.Result.Stopped,
		"device": s.Device, "seconds": s.Elapsed.Seconds()}
	if s.Test != nil {
		t := s.Test.JSON()
		t["images"], t["threshold_from_test"] = s.TestImages, s.TunedOnTest
		m["test"] = t
	}
	return m
}

// print writes the summary of job j as `ocgan train` prints it.
func (s *trainSummary) print(w io.Writer, j *trainJob) error {
	fmt.Fprintf(w, "device: %s\n", s.Device)
	fmt.Fprintf(w, "trained %d iterations (%d epochs%s) in %s, %.1f images/s\n", s.Result.Iterations, len(s.Result.History),
		map[bool]string{true: ", stopped by the budget", false: ""}[s.Result.Stopped], s.Elapsed.Round(time.Second),
		s.ImagesPerSec())
	fmt.Fprintf(w, "best epoch %d, validation MSE %.5f; threshold %.5f (%s)\n",
		s.Result.BestEpoch, s.Result.BestValMSE, s.Threshold.Value, s.Threshold.Method)
	if s.Test == nil {
		fmt.Fprintf(w, "test AUC (protocol %d, class %d): %.4f\n", j.data.protocol, j.data.class, s.AUC)
	} else if err := s.printTest(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "saved %s\n", j.out)
	return err
}

// printTest writes the end evaluation of a run on --dataset images.
func (s *trainSummary) printTest(w io.Writer) error {
	fmt.Fprintf(w, "test on %s:\n", s.TestImages)
	if err := s.Test.print(w); err != nil {
		return err
	}
	if s.Test.Novel == 0 {
		_, err := fmt.Fprintln(w, "give --novel with images of anomalies to measure how well the model finds them")
		return err
	}
	if s.TunedOnTest {
		_, err := fmt.Fprintln(w, "the threshold was chosen on these --novel images (--threshold f1): F1, precision and recall are optimistic")
		return err
	}
	return nil
}

// writeJSON writes v as one JSON line.
func writeJSON(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// finite replaces NaN and infinities (which JSON cannot hold) by nil.
func finite(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
