package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func evalFlags(fs *pflag.FlagSet) {
	(&dataFlags{}).add(fs)
	fs.String("model", "", "checkpoint written by `ocgan train`")
	fs.Bool("json", false, "print JSON")
}

// runEval scores a one-class split's test set with a trained model and reports
// the AUC (novel = positive, higher score = more novel).
func runEval(e *env) error {
	d := dataFlagsFrom(e.fs)
	path, _ := e.fs.GetString("model")
	asJSON, _ := e.fs.GetBool("json")
	ck, err := loadModel(path)
	if err != nil {
		return err
	}
	start := time.Now()
	split, err := d.split(ck.Geometry)
	if err != nil {
		return err
	}
	ctx, err := vk.Open(e.cfg)
	if err != nil {
		return err
	}
	defer ctx.Close()
	s, err := newScorer(kernels.NewLibrary(ctx), ck, maxScoreBatch)
	if err != nil {
		return err
	}
	defer s.Free()
	auc, scores, err := s.Evaluate(split)
	if err != nil {
		return err
	}
	novel := split.NovelMask()
	c, err := metrics.ConfusionAt(scores, novel, ck.Train.Threshold)
	if err != nil {
		return err
	}
	res := map[string]any{"auc": auc, "dataset": d.name, "class": d.class, "protocol": d.protocol, "test_images": len(scores),
		"threshold": ck.Train.Threshold, "f1": c.F1(), "precision": c.Precision(), "recall": c.Recall(),
		"device": ctx.Info().Name, "seconds": time.Since(start).Seconds(), "model": path}
	if asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "model %s on %s class %d, protocol %d (%d test images), device %s\n", path, d.name, d.class, d.protocol, len(scores), ctx.Info().Name)
	fmt.Fprintf(e.stdout, "AUC %.4f; at threshold %.5f: F1 %.4f, precision %.4f, recall %.4f\n", auc, ck.Train.Threshold, c.F1(), c.Precision(), c.Recall())
	return nil
}
