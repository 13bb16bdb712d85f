package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func scoreFlags(fs *pflag.FlagSet) {
	fs.String("model", "", "checkpoint written by `ocgan train`")
	fs.Float64("threshold", -1, "novelty threshold (default: the one stored with the model)")
	fs.Bool("json", false, "print JSON lines")
}

// runScore prints each image's novelty score (reconstruction MSE) and verdict.
func runScore(e *env) error {
	path, _ := e.fs.GetString("model")
	threshold, _ := e.fs.GetFloat64("threshold")
	asJSON, _ := e.fs.GetBool("json")
	files := e.fs.Args()
	if len(files) == 0 {
		return usageError{fmt.Errorf("give the image files to score (PNG or JPEG)")}
	}
	ck, err := loadModel(path)
	if err != nil {
		return err
	}
	if threshold < 0 {
		threshold = ck.Train.Threshold
	}
	geo := ck.Geometry
	imgs, err := dataset.ReadImages(files, dataset.Options{Height: geo.ImageSize, Width: geo.ImageSize, Channels: geo.Channels})
	if err != nil {
		return err
	}
	ctx, err := vk.Open(e.cfg)
	if err != nil {
		return err
	}
	defer ctx.Close()
	s, err := newScorer(kernels.NewLibrary(ctx), ck, imgs.Len())
	if err != nil {
		return err
	}
	defer s.Free()
	scores, err := s.Scores(imgs)
	if err != nil {
		return err
	}
	verdict := func(x float64) string {
		if x >= threshold {
			return "novel"
		}
		return "normal"
	}
	if asJSON {
		for i, f := range files {
			if err := writeJSON(e.stdout, map[string]any{"file": f, "score": scores[i], "verdict": verdict(scores[i]), "threshold": threshold}); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(w, "file\tscore\tverdict (threshold %.5f)\n", threshold)
	for i, f := range files {
		fmt.Fprintf(w, "%s\t%.5f\t%s\n", f, scores[i], verdict(scores[i]))
	}
	return w.Flush()
}
