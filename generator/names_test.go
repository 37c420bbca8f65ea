package generator

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPascal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"load_sales", "LoadSales"},
		{"task4", "Task4"},
		{"a", "A"},
		{"job1_handler", "Job1Handler"},
		{"task_a_1", "TaskA1"},
		{"x2y", "X2y"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pascal(tt.in), tt.in)
	}
}

func TestCheckJobName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // substring of the message; "" means valid
	}{
		{"plain", "job1", ""},
		{"snake", "daily_sales", ""},
		{"upper", "Job1", "not snake_case"},
		{"double underscore", "job__1", "not snake_case"},
		{"trailing underscore", "job_", "not snake_case"},
		{"leading digit", "1job", "not snake_case"},
		{"dot", "job.1", "not snake_case"},
		{"non-ascii", "jöb", "not snake_case"},
		{"cyrillic look-alike", "j\u043eb", `"j\u043eb" is not snake_case`},
		{"invisible letter", "job\u3164", `"job\u3164" is not snake_case`},
		{"keyword", "type", "Go keyword"},
		{"predeclared", "string", "predeclared"},
		{"builtin func", "len", "predeclared"},
		{"reserved folder", "internal", "reserved"},
		{"vendor", "vendor", "reserved"},
		{"main", "main", "reserved"},
		{"generator command", "jobgen", "reserved"},
		{"Temporal main helper", "temporaljob", "reserved"},
		{"test suffix", "sales_test", "build constraint"},
		{"goos suffix", "sales_linux", "build constraint"},
		{"goarch suffix", "sales_amd64", "build constraint"},
		{"windows device", "con", "device name"},
		{"windows device numbered", "lpt1", "device name"},
		{"empty", "", "not snake_case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkJobName(tt.in)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tt.want)
			assert.Contains(t, got, strconv.QuoteToASCII(tt.in), "the message quotes the name, escaping what is not ASCII")
		})
	}
}

func TestSplitTaskName(t *testing.T) {
	tests := []struct {
		in      string
		want    dotted
		wantMsg string
	}{
		{"jobs.job1.load_sales", dotted{"jobs", "job1", "load_sales"}, ""},
		{"jobs.job1", dotted{}, "not of the form"},
		{"tasks.job1.a", dotted{}, "not of the form"},
		{"jobs.job1.a.b", dotted{}, "not of the form"},
		{"jobs.job1.LoadSales", dotted{"jobs", "job1", "LoadSales"}, "file part"},
		{"jobs.job1.x_test", dotted{"jobs", "job1", "x_test"}, "build constraint"},
		{"jobs.job1.func", dotted{"jobs", "job1", "func"}, "keyword"},
		{`jobs.job1.a"b`, dotted{"jobs", "job1", `a"b`}, "not snake_case"},
		{"jobs.job1.../x", dotted{}, "not of the form"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, msg := splitTaskName(tt.in)
			if tt.wantMsg == "" {
				assert.Empty(t, msg)
				assert.Equal(t, tt.want, got)
				return
			}
			assert.Contains(t, msg, tt.wantMsg)
		})
	}
}

func TestSpellsFile(t *testing.T) {
	tests := []struct {
		name, file string
		want       bool
	}{
		{"WriteStatusCsv", "write_status_csv", true},
		{"WriteStatusCSV", "write_status_csv", true},
		{"WRITEStatusCSV", "write_status_csv", true},
		{"WriteStatusCsV", "write_status_csv", false},
		{"WriteStatus", "write_status_csv", false},
		{"WriteStatusCSVs", "write_status_csv", false},
		{"Task4", "task4", true},
		{"TASK4", "task4", true},
		{"HTTPServer", "http_server", true},
		{"HttpServer", "http_server", true},
		{"httpServer", "http_server", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, spellsFile(tt.name, tt.file), "%s for %s", tt.name, tt.file)
	}
}

func TestLookedFor(t *testing.T) {
	tests := []struct{ file, want string }{
		{"load", "Load or LOAD"},
		{"task_4", "Task4 or TASK4"},
		{"load_sales", "LoadSales, LoadSALES, LOADSales or LOADSALES"},
		{"write_status_csv", "WriteStatusCsv or another spelling with words in capitals, such as WriteStatusCSV"},
		{"a_1", "A1"},
		{"send_http_request_log", "SendHttpRequestLog or another spelling with words in capitals, such as SendHttpRequestLOG"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, lookedFor(tt.file), tt.file)
	}
}
