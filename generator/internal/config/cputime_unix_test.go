//go:build unix

package config_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) this process has used so
// far. Unlike the wall clock, it does not grow when other processes load
// the machine, so budgets on it hold on a busy CI runner.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
