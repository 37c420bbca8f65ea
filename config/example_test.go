package config_test

import (
	"errors"
	"fmt"

	"github.com/taskorchestrator/taskorchestrator/config"
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
	_, err := config.Parse("config/job_config.json", data)
	var list config.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	// Output:
	// config/job_config.json:5:53: jobs.job1.tasks[0].retries: must be an integer, got string
	// config/job_config.json:6:9: jobs.job1.tasks[1]: missing required key "name"
	// config/job_config.json:6:10: jobs.job1.tasks[1]: unknown key "nmae" (did you mean "name"?)
}

func ExampleLoad() {
	cfg, err := config.Load("job_config.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, job := range cfg.Jobs {
		fmt.Printf("%s at %v: %d tasks\n", job.Name, job.Pos, len(job.Tasks))
	}
	// Output:
	// job1 at 4:5: 4 tasks
	// job2 at 16:5: 3 tasks
}
