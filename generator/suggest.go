package generator

import (
	"fmt"
	"slices"

	"github.com/taskorchestrator/taskorchestrator/internal/clip"
	"github.com/taskorchestrator/taskorchestrator/internal/textdist"
)

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// name, or "" when none is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	best := closest(name, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", clip.Quote(best))
}

// closest returns the candidate closest to name by edit distance, the
// first in sorted order on a tie, or "" when none is close enough to be a
// likely typo. It sorts candidates.
func closest(name string, candidates []string) string {
	slices.Sort(candidates)
	best, bestDist := "", len(name)/3+1
	for _, c := range candidates {
		if d := textdist.Distance(name, c); d < bestDist && c != name {
			best, bestDist = c, d
		}
	}
	return best
}
