package job1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// ReportFile is the name of the report, in the workspace and in the output
// folder.
const ReportFile = "report.md"

// WriteReport writes the two totals as a Markdown report into the run's
// workspace (see [Job1Handler]).
type WriteReport struct{}

// Run writes report.md into the workspace.
func (WriteReport) Run(ctx context.Context, regions RegionTotals, months MonthTotals) error {
	ws, ok := WorkspaceFrom(ctx)
	if !ok {
		return errors.New("no workspace in context: run job1 with Job1Handler")
	}
	f, err := os.Create(filepath.Join(ws, ReportFile))
	if err != nil {
		return err
	}
	if err := writeReport(f, regions, months); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeReport(w io.Writer, regions RegionTotals, months MonthTotals) error {
	var total int64
	for _, v := range regions {
		total += v
	}
	fmt.Fprintf(w, "# Sales report\n\nTotal: %s\n\n## By region\n\n| region | sales |\n| --- | ---: |\n", money(total))
	for _, k := range slices.Sorted(maps.Keys(regions)) {
		fmt.Fprintf(w, "| %s | %s |\n", k, money(regions[k]))
	}
	fmt.Fprintf(w, "\n## By month\n\n| month | sales |\n| --- | ---: |\n")
	for _, k := range slices.Sorted(maps.Keys(months)) {
		if _, err := fmt.Fprintf(w, "| %s | %s |\n", k, money(months[k])); err != nil {
			return err
		}
	}
	return nil
}

func money(cents int64) string {
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}
