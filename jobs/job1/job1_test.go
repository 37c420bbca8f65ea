package job1_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	job1gen "github.com/taskorchestrator/taskorchestrator/gen/job1"
	"github.com/taskorchestrator/taskorchestrator/jobs/job1"
	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobtest"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// sales is a small dataset: north sells 2*150+1*1000 cents, west 4*25.
var sales = []job1.Sale{
	{Date: day("2025-06-05"), Region: "north", Product: "widget", Units: 2, UnitPriceCents: 150},
	{Date: day("2025-06-19"), Region: "west", Product: "gadget", Units: 4, UnitPriceCents: 25},
	{Date: day("2025-07-01"), Region: "north", Product: "gadget", Units: 1, UnitPriceCents: 1000},
}

func TestJob1TotalsWithFakeSales(t *testing.T) {
	out := t.TempDir()
	t.Setenv(job1.OutDirEnv, out)
	job := job1gen.Job()
	load := jobtest.Replace(t, job, job1gen.LoadSalesTask, func(ctx context.Context, _ job1.Params) ([]job1.Sale, error) {
		return sales, nil
	})
	rep := jobtest.Run(t, job, runtime.Options{})

	regions, ok := runtime.Result(rep, job1gen.ByRegionTask)
	require.True(t, ok)
	assert.Equal(t, job1.RegionTotals{"north": 1300, "west": 100}, regions)
	months, ok := runtime.Result(rep, job1gen.ByMonthTask)
	require.True(t, ok)
	assert.Equal(t, job1.MonthTotals{"2025-06": 400, "2025-07": 1000}, months)
	assert.Equal(t, []jobtest.Call{{Attempt: 1, Args: []any{job1.Params{}}}}, load.Calls())

	report, err := os.ReadFile(filepath.Join(out, job1.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, string(report), "Total: 14.00\n")
	assert.Contains(t, string(report), "| north | 13.00 |\n")
}

// TestJob1Params runs job1 on its real dataset with inputs: the report
// covers only the sales they keep.
func TestJob1Params(t *testing.T) {
	t.Setenv(job1.OutDirEnv, t.TempDir())
	all := jobtest.Run(t, job1gen.Job(), runtime.Options{})
	allRegions, _ := runtime.Result(all, job1gen.ByRegionTask)
	require.Len(t, allRegions, 4)

	p := job1.Params{Region: "north", Since: day("2025-06-01"), Until: day("2025-06-30")}
	rep := jobtest.Run(t, job1gen.Job(), runtime.Options{Params: p})
	loaded, ok := runtime.Result(rep, job1gen.LoadSalesTask)
	require.True(t, ok)
	require.NotEmpty(t, loaded)
	for _, s := range loaded {
		assert.Equal(t, "north", s.Region)
		assert.Equal(t, "2025-06", s.Date.Format("2006-01"), "sale %v", s)
	}
	regions, _ := runtime.Result(rep, job1gen.ByRegionTask)
	assert.Equal(t, []string{"north"}, slices.Collect(maps.Keys(regions)))
	assert.Less(t, regions["north"], allRegions["north"])
	months, _ := runtime.Result(rep, job1gen.ByMonthTask)
	assert.Equal(t, []string{"2025-06"}, slices.Collect(maps.Keys(months)))
}

func TestParamsKeep(t *testing.T) {
	s := job1.Sale{Date: day("2025-06-05"), Region: "west"}
	for _, c := range []struct {
		p    job1.Params
		keep bool
	}{
		{job1.Params{}, true},
		{job1.Params{Region: "west"}, true},
		{job1.Params{Region: "east"}, false},
		{job1.Params{Since: day("2025-06-05"), Until: day("2025-06-05")}, true},
		{job1.Params{Since: day("2025-06-06")}, false},
		{job1.Params{Until: day("2025-06-04")}, false},
	} {
		assert.Equal(t, c.keep, c.p.Keep(s), "%+v", c.p)
	}
}

func TestJob1FailingLoadSalesStopsDownstream(t *testing.T) {
	out := t.TempDir()
	t.Setenv(job1.OutDirEnv, out)
	job := job1gen.Job()
	jobtest.Replace(t, job, job1gen.LoadSalesTask, func(ctx context.Context, _ job1.Params) ([]job1.Sale, error) {
		return nil, errors.New("sales.csv:3: bad date")
	})
	// by_region must never run: record it to check.
	byRegion := jobtest.Replace(t, job, job1gen.ByRegionTask, func(ctx context.Context, s []job1.Sale) (job1.RegionTotals, error) {
		return nil, nil
	})
	rep, err := jobtest.Try(t, job, runtime.Options{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "bad date")

	assert.Equal(t, map[string]runtime.State{
		"jobs.job1.load_sales":   runtime.Failed,
		"jobs.job1.by_region":    runtime.UpstreamFailed,
		"jobs.job1.by_month":     runtime.UpstreamFailed,
		"jobs.job1.write_report": runtime.UpstreamFailed,
	}, jobtest.States(rep))
	_, ok := runtime.Result(rep, job1gen.ByRegionTask)
	assert.False(t, ok, "a task that did not run has no result")
	assert.Empty(t, byRegion.Calls())
	assert.NoFileExists(t, filepath.Join(out, job1.ReportFile), "a failed run publishes no report")
}

// Example_results runs job1 on its real dataset and reads the typed
// results of two tasks from the report: no index, no type assertion.
// KeepResults keeps by_region's in the report, which by default drops the
// results that other tasks take (write_report takes it) once they ran.
func Example_results() {
	out, err := os.MkdirTemp("", "job1-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(out)
	os.Setenv(job1.OutDirEnv, out)
	defer os.Unsetenv(job1.OutDirEnv)

	rep, err := job1gen.Job().Run(context.Background(), runtime.Options{KeepResults: true})
	if err != nil {
		panic(err)
	}
	regions, _ := runtime.Result(rep, job1gen.ByRegionTask) // job1.RegionTotals
	for _, r := range slices.Sorted(maps.Keys(regions)) {
		fmt.Printf("%s: %d cents\n", r, regions[r])
	}
	_, ok := runtime.Result(rep, job1gen.WriteReportTask)
	fmt.Println("write_report has a result:", ok)
	// Output:
	// east: 880317 cents
	// north: 568090 cents
	// south: 1046448 cents
	// west: 763197 cents
	// write_report has a result: false
}
