package bench

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// WriteProfile writes p as text: for each measurement its device time by
// op kind, then its top nodes by time (at most top of them).
func WriteProfile(w io.Writer, p *Profile, top int) error {
	for _, part := range []struct {
		title string
		nodes []NodeTime
	}{
		{"one Algorithm-1 iteration", p.Train},
		{"one batch-1 score", p.Batch1},
	} {
		if err := writePart(w, part.title, part.nodes, top); err != nil {
			return err
		}
	}
	return nil
}

func writePart(w io.Writer, title string, nodes []NodeTime, top int) error {
	total := 0.0
	byOp := map[string]*NodeTime{}
	var ops []*NodeTime
	for _, n := range nodes {
		total += n.MS
		o := byOp[n.Op]
		if o == nil {
			o = &NodeTime{Op: n.Op}
			byOp[n.Op] = o
			ops = append(ops, o)
		}
		o.Runs += n.Runs
		o.MS += n.MS
	}
	share := func(ms float64) float64 {
		if total == 0 {
			return 0
		}
		return 100 * ms / total
	}
	byTime := func(a, b *NodeTime) int { return cmp.Compare(b.MS, a.MS) }
	slices.SortStableFunc(ops, byTime)
	pw := &printer{w: w}
	pw.printf("\nprofile of %s: %.3f ms of device time in %d nodes\n", title, total, len(nodes))
	var phases []string
	byPhase := map[string]float64{}
	for _, n := range nodes {
		if _, ok := byPhase[n.Phase]; !ok {
			phases = append(phases, n.Phase)
		}
		byPhase[n.Phase] += n.MS
	}
	for i, ph := range phases {
		sep := ", "
		if i == 0 {
			sep = "by phase: "
		}
		pw.printf("%s%s %.3f ms (%.1f%%)", sep, ph, byPhase[ph], share(byPhase[ph]))
	}
	pw.printf("\n%-34s %8s %12s %7s\n", "op", "runs", "ms", "share")
	for _, o := range ops {
		pw.printf("%-34s %8.0f %12.3f %6.1f%%\n", o.Op, o.Runs, o.MS, share(o.MS))
	}
	// Nodes of the same name in one phase (a network run twice) are one row.
	var sorted []*NodeTime
	same := map[NodeTime]*NodeTime{}
	for _, n := range nodes {
		key := NodeTime{Phase: n.Phase, Node: n.Node, Op: n.Op}
		if s := same[key]; s != nil {
			s.Runs += n.Runs
			s.MS += n.MS
			continue
		}
		row := n
		same[key] = &row
		sorted = append(sorted, &row)
	}
	slices.SortStableFunc(sorted, byTime)
	if len(sorted) > top {
		sorted = sorted[:top]
	}
	pw.printf("%-14s %-40s %-34s %6s %10s %7s\n", "phase", "node", "op", "runs", "ms", "share")
	for _, n := range sorted {
		pw.printf("%-14s %-40s %-34s %6.0f %10.3f %6.1f%%\n", n.Phase, n.Node, n.Op, n.Runs, n.MS, share(n.MS))
	}
	return pw.err
}

// printer is fmt.Fprintf that keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
