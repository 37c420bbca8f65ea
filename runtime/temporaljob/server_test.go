package temporaljob

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/taskorchestrator/taskorchestrator/internal/temporaltest"
	"github.com/taskorchestrator/taskorchestrator/runtime"
)

var recordFlag = flag.Bool("record", false, "record the workflow histories of testdata/histories from runs on a real server ($TEMPORAL_CLI)")

// recorded are the jobs whose histories testdata/histories holds: the
// replay test runs the current workflow code over them, so that a change
// that breaks determinism fails it.
var recorded = []struct {
	name string
	job  func() *testJob
	in   Input
}{
	{"diamond_retry", func() *testJob {
		return newTestJob("diamond", []spec{
			{name: "a"},
			{name: "b", deps: []int{0}, retries: 2, run: func(_ context.Context, n int, xs []int) (int, error) {
				if n == 1 {
					return 0, fmt.Errorf("first attempt fails")
				}
				return xs[0] + 1, nil
			}},
			{name: "c", deps: []int{0}},
			{name: "d", deps: []int{1, 2}},
		})
	}, Input{}},
	{"chain_continue_as_new", func() *testJob {
		var specs []spec
		for i := range 12 {
			s := spec{name: fmt.Sprintf("c%02d", i)}
			if i > 0 {
				s.deps = []int{i - 1}
			}
			specs = append(specs, s)
		}
		return newTestJob("chain", specs)
	}, Input{ContinueAsNewAfter: 20, Schedule: "eager"}},
}

// serve runs an in-process worker for job on queue until the test ends.
func serve(t testing.TB, c client.Client, job *runtime.Job, queue string, workers int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, c, job, Settings{}, WorkerOptions{TaskQueue: queue, Workers: workers}) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

// history returns the events of a workflow run.
func history(t testing.TB, c client.Client, id, runID string) *historypb.History {
	t.Helper()
	h := &historypb.History{}
	it := c.GetWorkflowHistory(context.Background(), id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	return h
}

// runRecorded runs the job of r on a real server through an in-process
// worker on queue and returns the history of its first workflow run.
func runRecorded(t *testing.T, c client.Client, tj *testJob, in Input, queue string) *historypb.History {
	t.Helper()
	serve(t, c, tj.job, queue, 4)
	id := fmt.Sprintf("%s-%d", queue, time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue}, tj.job.Name, in)
	require.NoError(t, err)
	require.NoError(t, run.Get(context.Background(), nil))
	return history(t, c, id, run.GetRunID())
}

// replayer returns a replayer with the workflow of tj registered.
func replayer(t *testing.T, tj *testJob) worker.WorkflowReplayer {
	t.Helper()
	wf, err := NewWorkflow(tj.job, Settings{})
	require.NoError(t, err)
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(wf.Run, registerOptions(tj.job.Name))
	return r
}

func TestRecordHistories(t *testing.T) {
	if !*recordFlag {
		t.Skip("run with -record (and $TEMPORAL_CLI) to record testdata/histories")
	}
	c := temporaltest.Client(t)
	for _, r := range recorded {
		h := runRecorded(t, c, r.job(), r.in, "record-"+r.name)
		data, err := protojson.MarshalOptions{Multiline: true}.Marshal(h)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join("testdata", "histories"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "histories", r.name+".json"), data, 0o644))
	}
}

func TestReplayRecordedHistories(t *testing.T) {
	for _, r := range recorded {
		t.Run(r.name, func(t *testing.T) {
			file := filepath.Join("testdata", "histories", r.name+".json")
			require.NoError(t, replayer(t, r.job()).ReplayWorkflowHistoryFromJSONFile(quietLogger, file))
		})
	}
}

// TestReplayFreshHistories replays histories the current code just made on
// a real server (the first run of each: the chain's ends in its
// continue-as-new).
func TestReplayFreshHistories(t *testing.T) {
	c := temporaltest.Client(t)
	for _, r := range recorded {
		t.Run(r.name, func(t *testing.T) {
			tj := r.job()
			h := runRecorded(t, c, tj, r.in, "fresh-"+r.name)
			require.NoError(t, replayer(t, tj).ReplayWorkflowHistory(quietLogger, h))
		})
	}
}

// layered returns a job of n tasks in levels of width tasks, each task
// taking the results of one or two tasks of the level before; the last
// task sums everything into *sum.
func layered(n, width int, sum *atomic.Int64) *testJob {
	var specs []spec
	for i := range n - 1 {
		s := spec{name: fmt.Sprintf("t%06d", i)}
		if i >= width {
			prev := i - width
			s.deps = []int{prev}
			if i%3 == 0 && prev+1 < i-i%width {
				s.deps = append(s.deps, prev+1)
			}
		}
		specs = append(specs, s)
	}
	var last []int
	for i := max(0, n-1-width); i < n-1; i++ {
		last = append(last, i)
	}
	specs = append(specs, spec{name: "total", deps: last, run: func(_ context.Context, _ int, xs []int) (int, error) {
		t := 0
		for _, x := range xs {
			t += x
		}
		sum.Store(int64(t))
		return t, nil
	}})
	return newTestJob("layered", specs)
}

// TestScaleOnTemporal runs a synthetic job of $TASKORCH_TEMPORAL_SCALE tasks
// (default 300) on a real server and checks that it completes with the
// same total as a local run. The default continues as new every 400
// history events, which proves at small scale the mechanism that lets
// 20,000 tasks (make test-temporal-scale) pass Temporal's history limit.
func TestScaleOnTemporal(t *testing.T) {
	c := temporaltest.Client(t)
	n, after := 300, 400
	if s := os.Getenv("TASKORCH_TEMPORAL_SCALE"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
		after = 0 // the default, 10,000 events
	}
	var local, remote atomic.Int64
	_, err := layered(n, 50, &local).job.Run(context.Background(), runtime.Options{})
	require.NoError(t, err)

	tj := layered(n, 50, &remote)
	queue := fmt.Sprintf("scale-%d", n)
	serve(t, c, tj.job, queue, 64)
	start := time.Now()
	id := fmt.Sprintf("scale-%d-%d", n, start.UnixNano())
	rep, err := Submit(context.Background(), c, tj.job, runtime.Options{}, SubmitOptions{TaskQueue: queue, WorkflowID: id, Input: Input{ContinueAsNewAfter: after}, Poll: 2 * time.Second})
	require.NoError(t, err)
	elapsed := time.Since(start)
	for _, tr := range rep.Tasks {
		require.Equal(t, runtime.Succeeded, tr.State, tr.Name)
	}
	assert.Equal(t, local.Load(), remote.Load(), "the same total as a local run")
	runs, events := countEvents(t, c, id)
	assert.Greater(t, runs, 1, "the run continued as new")
	t.Logf("%d tasks on Temporal in %v (%.1f ms/task), %d workflow runs, %.2f history events per task", n, elapsed.Round(time.Millisecond), float64(elapsed.Milliseconds())/float64(n), runs, float64(events)/float64(n))
}

// BenchmarkTemporal measures the cost per task of a run on a real server
// (make bench-temporal): ms per task and history events per task, for
// layered jobs of no-op tasks.
func BenchmarkTemporal(b *testing.B) {
	c := temporaltest.Client(b)
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var sum atomic.Int64
			tj := layered(n, 50, &sum)
			queue := fmt.Sprintf("bench-%d", n)
			serve(b, c, tj.job, queue, 64)
			var events, runs int
			b.ResetTimer()
			for range b.N {
				id := fmt.Sprintf("bench-%d-%d", n, time.Now().UnixNano())
				rep, err := Submit(context.Background(), c, tj.job, runtime.Options{}, SubmitOptions{TaskQueue: queue, WorkflowID: id, Poll: 5 * time.Second})
				require.NoError(b, err)
				require.Equal(b, n, len(rep.Tasks))
				b.StopTimer()
				runs, events = countEvents(b, c, id)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/task")
			b.ReportMetric(float64(events)/float64(n), "events/task")
			b.ReportMetric(float64(runs), "runs")
		})
	}
}

// countEvents counts the history events of every run of workflow id,
// following continue-as-new from the first run.
func countEvents(b testing.TB, c client.Client, id string) (runs, events int) {
	// Each run's history ends in ContinuedAsNew with the next run's ID,
	// from the first run's on.
	for r := firstRun(b, c, id); r != ""; {
		h := history(b, c, id, r)
		runs++
		events += len(h.Events)
		r = ""
		if last := h.Events[len(h.Events)-1]; last.GetWorkflowExecutionContinuedAsNewEventAttributes() != nil {
			r = last.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
		}
	}
	return runs, events
}

// firstRun returns the run ID of the first run of workflow id.
func firstRun(b testing.TB, c client.Client, id string) string {
	desc, err := c.DescribeWorkflowExecution(context.Background(), id, "")
	require.NoError(b, err)
	return desc.GetWorkflowExecutionInfo().GetFirstRunId()
}
