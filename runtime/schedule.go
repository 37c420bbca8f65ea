package runtime

import "fmt"

// Schedule says when [Job.Run] starts each task. It is an
// [encoding.TextMarshaler] and [encoding.TextUnmarshaler] ("levels",
// "eager"), so a flag, an environment variable and a JSON document spell
// it the same way.
type Schedule uint8

const (
	// ScheduleLevels runs the levels one after another: no task of level
	// k+1 starts before every task of level k has ended. It is the default.
	ScheduleLevels Schedule = iota
	// ScheduleEager starts each task as soon as all its dependencies have
	// succeeded, on a pool of long-lived workers fed by a ready queue. Among
	// ready tasks it starts first the one with the longest remaining path
	// (the most tasks on a chain of dependents after it), the usual
	// critical-path heuristic when durations are unknown. On tasks of
	// uneven length it finishes close to the critical path, where the
	// barriers between levels can cost several times more.
	ScheduleEager
)

var scheduleNames = [...]string{ScheduleLevels: "levels", ScheduleEager: "eager"}

// String returns "levels" or "eager".
func (s Schedule) String() string {
	if int(s) < len(scheduleNames) {
		return scheduleNames[s]
	}
	return fmt.Sprintf("schedule(%d)", s)
}

// MarshalText returns "levels" or "eager"; any other value is an error.
func (s Schedule) MarshalText() ([]byte, error) {
	if int(s) >= len(scheduleNames) {
		return nil, fmt.Errorf("unknown schedule %d", s)
	}
	return []byte(scheduleNames[s]), nil
}

// UnmarshalText sets s to the schedule named text: "levels" or "eager".
func (s *Schedule) UnmarshalText(text []byte) error {
	for k, name := range scheduleNames {
		if string(text) == name {
			*s = Schedule(k)
			return nil
		}
	}
	return fmt.Errorf("unknown schedule %q (want levels or eager)", text)
}
