// Package temporaltest starts a real Temporal server for tests: the
// Temporal CLI's dev server, on loopback, in memory, one per test binary.
//
// The CLI is not downloaded here: $TEMPORAL_CLI names its binary, which
// `make temporal-cli` builds from the Go module proxy and caches by version
// outside the clone (.ci/temporal-cli prints its path). Without it the
// tests that need a server are skipped, so that `make test` stays fast and
// works offline; `make test-temporal` and CI set it.
package temporaltest

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"log/slog"
)

// EnvCLI names the environment variable that holds the path of the
// Temporal CLI binary.
const EnvCLI = "TEMPORAL_CLI"

var (
	once    sync.Once
	server  *testsuite.DevServer
	log     bytes.Buffer
	addr    string
	started error
)

// Addr returns the host:port of a dev server shared by the tests of this
// test binary, starting it on first use; it skips the test when
// $TEMPORAL_CLI is not set. Call [Stop] from TestMain.
func Addr(t testing.TB) string {
	t.Helper()
	path := os.Getenv(EnvCLI)
	if path == "" {
		t.Skipf("$%s is not set: run make test-temporal to run the tests against a real Temporal server", EnvCLI)
	}
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		server, started = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
			ExistingPath:  path,
			LogLevel:      "error",
			ClientOptions: &client.Options{HostPort: "", Logger: Quiet},
			Stdout:        &log,
			Stderr:        &log,
		})
		if started == nil {
			addr = server.FrontendHostPort()
		}
	})
	if started != nil {
		t.Fatalf("start the Temporal dev server (%s): %v\n%s", path, started, log.String())
	}
	return addr
}

// Client dials the shared dev server.
func Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: Addr(t), Logger: Quiet})
	if err != nil {
		t.Fatalf("dial %s: %v", Addr(t), err)
	}
	t.Cleanup(c.Close)
	return c
}

// Stop stops the dev server if a test started it.
func Stop() {
	if server != nil {
		_ = server.Stop()
	}
}

// Quiet is an SDK logger that drops everything below error.
var Quiet = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
