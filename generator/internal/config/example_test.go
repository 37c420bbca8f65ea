package config_test

import (
	"fmt"
	"go/token"

	"github.com/taskorchestrator/taskorchestrator/generator/internal/config"
)

func ExampleParse() {
	data := []byte(`{
  "jobs": {
    "job1": {
      "tasks": [
        {"name": "jobs.job1.load_sales", "retries": "2"},
        {"nmae": "jobs.job1.report"}
      ]
    }
  }
}`)
	cfg := config.Parse("config/job_config.json", data, func(pos token.Position, msg string) {
		fmt.Printf("%s: %s\n", pos, msg)
	})
	fmt.Println(cfg == nil)
	// Unordered output:
	// config/job_config.json:5:53: jobs.job1.tasks[0].retries: must be an integer, got string
	// config/job_config.json:6:9: jobs.job1.tasks[1]: missing required key "name"
	// config/job_config.json:6:10: jobs.job1.tasks[1]: unknown key "nmae" (did you mean "name"?)
	// true
}

func ExampleParse_positions() {
	data := []byte(`{"jobs": {"job1": {"tasks": [{"name": "jobs.job1.load_sales"}]}}}`)
	cfg := config.Parse("job_config.json", data, func(token.Position, string) {})
	for _, job := range cfg.Jobs {
		fmt.Printf("%s at %v: %d task, %s at %v\n", job.Name, job.Pos, len(job.Tasks), job.Tasks[0].Name, job.Tasks[0].Pos)
	}
	// Output:
	// job1 at job_config.json:1:11: 1 task, jobs.job1.load_sales at job_config.json:1:39
}
