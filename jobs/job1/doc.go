// Package job1 is the worked example of a typed pipeline: it loads the sales
// dataset shipped with the repository (sales.csv, embedded in the binary),
// totals it by region and by month in parallel, and writes a report.
//
//	load_sales ──> by_region ──┐
//	     └───────> by_month  ──┴──> write_report
//
// [Job1Handler] prepares a private workspace for the run, and on success
// moves the finished report into the output folder, so a failed run never
// leaves a half-written report behind.
package job1
