package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// parseClasses reads "3", "0,1,8" or "0-9" (and mixes: "0-2,8"). With
// class names (--dataset folder), a part that is a class's name is that
// class, and numbers must be below the number of classes.
func parseClasses(s string, names []string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	add := func(c int) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if i := slices.Index(names, part); i >= 0 {
			add(i)
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("--class %q: %q is not a class number", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("--class %q: %q is not a range lo-hi", s, part)
			}
		}
		if names != nil && b >= len(names) {
			return nil, fmt.Errorf("--class %q: there are %d class folders (classes: %s)", s, len(names), listClasses(names))
		}
		for c := a; c <= b; c++ {
			add(c)
		}
	}
	return out, nil
}

// modelPath expands the {class} and {seed} placeholders of a --model template.
func modelPath(template string, class int, seed uint64) string {
	r := strings.NewReplacer("{class}", strconv.Itoa(class), "{seed}", strconv.FormatUint(seed, 10))
	return r.Replace(template)
}
