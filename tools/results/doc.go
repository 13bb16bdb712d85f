package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// A generated block of RESULTS.md sits between a line "<!-- results:ID -->"
// (ID an experiment's id) and the next line "<!-- end -->"; everything
// outside the blocks is hand-written and kept as it is.
const (
	beginPrefix = "<!-- results:"
	beginSuffix = "-->"
	endMarker   = "<!-- end -->"
)

// blocks renders every table from recs and every study from its baseline
// in recs and its variants' records in byDir (by variant folder), by id.
func blocks(recs []*results.Record, byDir map[string][]*results.Record) map[string]string {
	out := map[string]string{}
	for _, ex := range experiments {
		out[ex.id] = render(ex, recs)
	}
	for _, st := range studies {
		out[st.id] = renderStudy(st, recs, byDir)
	}
	out[selectionID] = renderSelection(byDir)
	out[summaryID] = renderSummary(recs)
	return out
}

// refresh returns doc with the content of each generated block replaced by
// gen[id]; doc must hold exactly one block for every id of gen. The second
// result lists the ids whose content changed.
func refresh(doc string, gen map[string]string) (string, []string, error) {
	lines := strings.SplitAfter(doc, "\n")
	var out strings.Builder
	var changed []string
	seen := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		out.WriteString(line)
		t := strings.TrimSpace(line)
		if t == endMarker {
			return "", nil, fmt.Errorf("line %d: %s without a block before it", i+1, endMarker)
		}
		id, ok := strings.CutPrefix(t, beginPrefix)
		if !ok {
			continue
		}
		id, ok = strings.CutSuffix(id, beginSuffix)
		id = strings.TrimSpace(id)
		content, known := gen[id]
		switch {
		case !ok:
			return "", nil, fmt.Errorf("line %d: %q does not end with %s", i+1, t, beginSuffix)
		case !known:
			return "", nil, fmt.Errorf("line %d: no table %q (known: %s)", i+1, id, strings.Join(ids(), ", "))
		case seen[id]:
			return "", nil, fmt.Errorf("line %d: a second block of %q", i+1, id)
		}
		seen[id] = true
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != endMarker {
			if strings.HasPrefix(strings.TrimSpace(lines[end]), beginPrefix) {
				return "", nil, fmt.Errorf("line %d: the block of %q has no %s before the next block", i+1, id, endMarker)
			}
			end++
		}
		if end == len(lines) {
			return "", nil, fmt.Errorf("line %d: the block of %q has no %s", i+1, id, endMarker)
		}
		fresh := "\n" + content + "\n\n"
		if strings.Join(lines[i+1:end], "") != fresh {
			changed = append(changed, id)
		}
		out.WriteString(fresh)
		out.WriteString(lines[end])
		i = end
	}
	var missing []string
	for _, id := range ids() {
		if _, want := gen[id]; want && !seen[id] {
			missing = append(missing, beginPrefix+id+" "+beginSuffix)
		}
	}
	if len(missing) > 0 {
		return "", nil, errors.New("no block for " + strings.Join(missing, ", "))
	}
	return out.String(), changed, nil
}

// ids lists the tables' ids in order, then the studies'.
func ids() []string {
	var out []string
	for _, ex := range experiments {
		out = append(out, ex.id)
	}
	for _, st := range studies {
		out = append(out, st.id)
	}
	return append(out, selectionID, summaryID)
}
