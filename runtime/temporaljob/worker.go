package temporaljob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// WorkerOptions configure [Serve].
type WorkerOptions struct {
	// TaskQueue is the queue the worker polls; "" means the job's name.
	TaskQueue string
	// Workers is how many task attempts the process runs at once; at
	// least 1.
	Workers int
}

// Register registers the job's workflow, under the job's name, and its
// activities with r: the setup and teardown activities and one dynamic
// activity that runs every task, named by the task.
func Register(r worker.Registry, wf *Workflow, acts *Activities) {
	if wf != nil {
		r.RegisterWorkflowWithOptions(wf.Run, registerOptions(wf.job.Name))
	}
	r.RegisterActivityWithOptions(acts.Setup, activity.RegisterOptions{Name: SetupActivity(acts.job.Name)})
	r.RegisterActivityWithOptions(acts.Teardown, activity.RegisterOptions{Name: TeardownActivity(acts.job.Name)})
	r.RegisterDynamicActivity(acts.Task, activity.DynamicRegisterOptions{})
}

// registerOptions registers a job's workflow under the job's name.
func registerOptions(job string) workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: job}
}

// Serve runs a worker for job until ctx ends: it polls the job's task
// queue for workflow tasks and activities and, for a pinned job, a queue
// of its own, where the runs whose Setup it ran send their tasks.
func Serve(ctx context.Context, c client.Client, job *runtime.Job, s Settings, opts WorkerOptions) error {
	queue := opts.TaskQueue
	if queue == "" {
		queue = job.Name
	}
	wf, err := NewWorkflow(job, s)
	if err != nil {
		return err
	}
	own := ""
	if s.Pinned {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		own = fmt.Sprintf("%s@%s-%d-%s", queue, host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	acts, err := NewActivities(job, s, own, opts.Workers)
	if err != nil {
		return err
	}
	// The SDK's default of 2 activity pollers, each taking one task a
	// round trip, starves a worker that may run many tasks at once.
	pollers := min(max(opts.Workers, 2), 32)
	shared := worker.New(c, queue, worker.Options{MaxConcurrentActivityExecutionSize: max(opts.Workers, 1), MaxConcurrentActivityTaskPollers: pollers})
	Register(shared, wf, acts)
	workers := []worker.Worker{shared}
	if own != "" {
		// Every task of a pinned run comes here; the slots of acts bound
		// how many run at once, so the queue may hold them all.
		w := worker.New(c, own, worker.Options{MaxConcurrentActivityExecutionSize: maxMaxInFlight + 2, MaxConcurrentActivityTaskPollers: pollers})
		Register(w, nil, acts)
		workers = append(workers, w)
	}
	for k, w := range workers {
		if err := w.Start(); err != nil {
			for _, started := range workers[:k] {
				started.Stop()
			}
			return fmt.Errorf("start worker on task queue %q: %w", queue, err)
		}
	}
	<-ctx.Done()
	for _, w := range workers {
		w.Stop()
	}
	return nil
}
