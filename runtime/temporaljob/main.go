package temporaljob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	goruntime "runtime"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain"
)

// Settings are a job's Temporal settings from the config.
type Settings struct {
	// Pinned runs every activity of a run on the worker that ran the
	// handler's Setup (the config's "temporal": {"pinned": true}), for
	// handlers that keep local state, such as a workspace on disk.
	Pinned bool
}

// Main runs the job binary of a job that may run on Temporal and returns
// its exit code. Without --temporal it is [jobmain.Main]: the job runs in
// this process. With --temporal ADDR it submits the run to the Temporal
// server at ADDR and follows it, and "worker --temporal ADDR" serves the
// job's workflow and tasks until SIGINT or SIGTERM.
func Main(job *runtime.Job, s Settings, args []string) int {
	return jobmain.MainWith(job, args, Extension(job, s))
}

// Extension is the command line that Main adds to jobmain's: the flags of
// a submitted run and the worker command.
func Extension(job *runtime.Job, s Settings) jobmain.Extension {
	var (
		addr, ns, queue, workflowID string
		maxInFlight, continueAfter  int
		hb                          time.Duration
	)
	conn := func(addr, ns *string) []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "temporal", EnvVars: []string{jobmain.EnvVar(job.Name, "temporal")}, Usage: "the Temporal frontend at `HOST:PORT`", Destination: addr},
			&cli.StringFlag{Name: "namespace", EnvVars: []string{jobmain.EnvVar(job.Name, "temporal-namespace")}, Value: "default", Usage: "the Temporal `NAMESPACE`", Destination: ns},
		}
	}
	flags := conn(&addr, &ns)
	flags[0].(*cli.StringFlag).Usage = "submit the run to the Temporal frontend at `HOST:PORT` and follow it, instead of running it here (start workers with '" + job.Name + " worker --temporal HOST:PORT')"
	flags = append(flags,
		&cli.StringFlag{Name: "task-queue", Value: job.Name, Usage: "with --temporal, the task `QUEUE` the workers poll", Destination: &queue},
		&cli.StringFlag{Name: "workflow-id", Usage: "with --temporal, the workflow `ID` of the run (default: the job's name and the time)", Destination: &workflowID},
		&cli.IntFlag{Name: "max-in-flight", Value: defaultMaxInFlight, Usage: fmt.Sprintf("with --temporal, run at most `N` tasks at once over all workers (1 to %d)", maxMaxInFlight), Destination: &maxInFlight},
		&cli.DurationFlag{Name: "heartbeat-timeout", Value: defaultHeartbeatTimeout, Usage: "with --temporal, start a task again on another worker when its worker was silent for `D`", Destination: &hb},
		&cli.IntFlag{Name: "continue-as-new-after", Value: defaultContinueAsNewAfter, Usage: "with --temporal, continue the workflow as new once its history has `N` events", Destination: &continueAfter},
	)
	var wAddr, wNS, wQueue string
	var workers int
	worker := &cli.Command{
		Name:  "worker",
		Usage: "serve the job's workflow and tasks on Temporal until SIGINT or SIGTERM",
		Flags: append(conn(&wAddr, &wNS),
			&cli.StringFlag{Name: "task-queue", Value: job.Name, Usage: "the task `QUEUE` to poll", Destination: &wQueue},
			&cli.IntFlag{Name: "workers", Value: goruntime.GOMAXPROCS(0), Usage: "run at most `N` tasks at once in this process", Destination: &workers},
		),
		Action: func(c *cli.Context) error {
			if wAddr == "" {
				return jobmain.UsageError(errors.New("worker needs --temporal HOST:PORT (or " + jobmain.EnvVar(job.Name, "temporal") + ")"))
			}
			if workers < 1 {
				return jobmain.UsageError(fmt.Errorf("--workers must be at least 1, not %d", workers))
			}
			// A worker waits for its server (one started at the same time,
			// or restarting) as long as it takes, as daemons do.
			cl, err := dial(c.Context, wAddr, wNS, c.App.ErrWriter, slog.LevelInfo, 0)
			if err != nil {
				if c.Context.Err() != nil {
					return nil // stopped while waiting
				}
				return err
			}
			defer cl.Close()
			fmt.Fprintf(c.App.ErrWriter, "%s: worker polling task queue %q at %s (namespace %s), %d tasks at once\n", job.Name, wQueue, wAddr, wNS, workers)
			return Serve(c.Context, cl, job, s, WorkerOptions{TaskQueue: wQueue, Workers: workers})
		},
	}
	return jobmain.Extension{
		Flags:    flags,
		Commands: []*cli.Command{worker},
		Runner: func(c *cli.Context) (jobmain.RunFunc, error) {
			if addr == "" {
				return nil, nil
			}
			if maxInFlight < 1 || maxInFlight > maxMaxInFlight {
				return nil, fmt.Errorf("--max-in-flight must be between 1 and %d, not %d", maxMaxInFlight, maxInFlight)
			}
			if hb < time.Second {
				return nil, fmt.Errorf("--heartbeat-timeout must be at least 1s, not %v", hb)
			}
			stderr := c.App.ErrWriter
			return func(ctx context.Context, job *runtime.Job, opts runtime.Options) (*runtime.Report, error) {
				cl, err := dial(ctx, addr, ns, stderr, slog.LevelWarn, submitDialLimit)
				if err != nil {
					return nil, err
				}
				defer cl.Close()
				return Submit(ctx, cl, job, opts, SubmitOptions{TaskQueue: queue, WorkflowID: workflowID,
					Input: Input{MaxInFlight: maxInFlight, HeartbeatTimeout: hb.String(), ContinueAsNewAfter: continueAfter}})
			}, nil
		},
	}
}

// submitDialLimit is how long a submitting binary waits for its server.
const submitDialLimit = 20 * time.Second

// dial connects to the Temporal frontend at addr, with the SDK's own logs
// at level and above going to w. It tries again, saying so on w, for up
// to limit (0: until ctx ends), so that a server started at the same
// time is waited for.
func dial(ctx context.Context, addr, ns string, w io.Writer, level slog.Level, limit time.Duration) (client.Client, error) {
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	deadline := time.Now().Add(limit)
	for wait := 500 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: ns, Logger: sdklog.NewStructuredLogger(logger)})
		if err == nil {
			return c, nil
		}
		err = fmt.Errorf("connect to Temporal at %s: %w", addr, err)
		if ctx.Err() != nil || (limit > 0 && time.Now().Add(wait).After(deadline)) {
			return nil, err
		}
		fmt.Fprintf(w, "%v; trying again in %v\n", err, wait)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}
