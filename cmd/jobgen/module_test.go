package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// TestUseFromAnotherModule does what docs/use-in-your-module.md tells a
// user to do: in a fresh module (that requires this one through a replace
// directive, as a user's module requires a released version), add jobgen as
// a tool, write a config and tasks, run go generate, build, and run the job
// binary.
func TestUseFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module from scratch")
	}
	dir := testmod.New(t, "example.com/shop", "")
	// What `go get -tool <module>/cmd/jobgen@<version>` writes; go get
	// itself would ask the module proxy about this unreleased checkout.
	testmod.Go(t, dir, "mod", "edit", "-tool", testmod.ThisModule+"/cmd/jobgen")
	files := map[string]string{
		// The directive is split so that go generate in this repository
		// does not take it for one of its own.
		"doc.go": "// Package shop is a module that uses TaskOrchestrator.\npackage shop\n\n//go:" + "generate go tool jobgen generate\n",
		"config/job_config.json": `{
  "jobs": {
    "orders": {
      "tasks": [
        {"name": "jobs.orders.load_orders"},
        {"name": "jobs.orders.total", "dependencies": ["jobs.orders.load_orders"]},
        {"name": "jobs.orders.count", "dependencies": ["jobs.orders.load_orders"]},
        {"name": "jobs.orders.report", "dependencies": ["jobs.orders.total", "jobs.orders.count"]}
      ]
    }
  }
}
`,
		"jobs/orders/load_orders.go": `// Package orders is an example job.
package orders

import "context"

// Order is one order.
type Order struct{ Cents int }

// LoadOrders loads the orders.
type LoadOrders struct{}

// Run returns three orders.
func (LoadOrders) Run(ctx context.Context) ([]Order, error) {
	return []Order{{150}, {250}, {600}}, nil
}
`,
		"jobs/orders/total.go": `package orders

import "context"

// Cents is a sum of money.
type Cents int

// Total adds the orders up.
type Total struct{}

// Run sums the orders.
func (Total) Run(ctx context.Context, orders []Order) (Cents, error) {
	var sum Cents
	for _, o := range orders {
		sum += Cents(o.Cents)
	}
	return sum, nil
}
`,
		"jobs/orders/count.go": `package orders

import "context"

// Count counts the orders.
type Count struct{}

// Run returns the number of orders.
func (Count) Run(ctx context.Context, orders []Order) (int, error) { return len(orders), nil }
`,
		"jobs/orders/report.go": `package orders

import (
	"context"
	"fmt"
)

// Report prints the total and the count.
type Report struct{}

// Run prints one line.
func (Report) Run(ctx context.Context, total Cents, n int) error {
	fmt.Printf("orders: %d orders, %d cents\n", n, total)
	return nil
}
`,
	}
	for name, content := range files {
		testmod.WriteFile(t, dir, name, content)
	}

	testmod.Go(t, dir, "mod", "tidy")
	testmod.Go(t, dir, "generate", "./...")
	assert.FileExists(t, filepath.Join(dir, "gen", "orders", "orders_gen.go"))
	assert.FileExists(t, filepath.Join(dir, "cmd", "orders", "main.go"))
	testmod.Go(t, dir, "tool", "jobgen", "check")
	testmod.Go(t, dir, "run", testmod.ThisModule+"/cmd/jobgen", "check")
	testmod.Go(t, dir, "build", "-o", "bin/", "./cmd/...")

	out, err := exec.Command(filepath.Join(dir, "bin", "orders")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "orders: 3 orders, 1000 cents")
	assert.Contains(t, string(out), "orders: 4 succeeded")

	out, err = exec.Command(filepath.Join(dir, "bin", "orders"), "--dry-run", "--workers", "1").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "critical path (3 tasks): jobs.orders.load_orders -> jobs.orders.count -> jobs.orders.report")
	assert.Contains(t, string(out), "note: --workers 1 is below the width of the widest level")

	// A cycle fails go generate with a positioned error, and writes nothing.
	testmod.WriteFile(t, dir, "config/job_config.json", strings.Replace(files["config/job_config.json"],
		`{"name": "jobs.orders.load_orders"}`, `{"name": "jobs.orders.load_orders", "dependencies": ["jobs.orders.report"]}`, 1))
	text, err := testmod.GoErr(dir, "generate", "./...")
	require.Error(t, err)
	assert.Contains(t, text, `config/job_config.json:7:18: job "orders": task "jobs.orders.count" is on a dependency cycle`)
	text, err = testmod.GoErr(dir, "tool", "jobgen", "check")
	require.Error(t, err)
	assert.Contains(t, text, "jobgen: 1 error")
}
