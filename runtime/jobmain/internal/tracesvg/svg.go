package main

import (
	"cmp"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/trace"
)

// SVG layout, in pixels.
const (
	svgWidth    = 960
	svgLabelW   = 96 // the row names on the left
	svgPad      = 12
	svgTitleH   = 30
	svgLaneH    = 24 // one lane of a row; nested spans stack in lanes
	svgRowGap   = 8
	svgAxisH    = 28
	svgPanelGap = 24
	svgCharW    = 6.6 // the width of a character at font-size 11
	svgMinLabel = 3   // the fewest characters worth drawing in a span
)

// levelColors fill task spans by level; failed attempts are red whatever
// their level.
var levelColors = []string{"#4e79a7", "#59a14f", "#9c755f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#bab0ac"}

const (
	runColor     = "#d9d9d9"
	handlerColor = "#f28e2b"
	failedColor  = "#e15759"
)

// row is one thread of the trace with its spans, each in a lane.
type row struct {
	tid   int
	name  string
	sort  int
	spans []trace.Event
	lanes []int // lanes[k] is the lane of spans[k]
	nLane int
}

// drawSVG draws the complete events of f as a timeline, one row per thread
// (named by the "thread_name" metadata and ordered by "thread_sort_index"),
// with a time axis in milliseconds. Spans nested in time on one row stack
// in lanes. When the task spans take less than half of the trace (short
// tasks between a long setup and teardown), a second panel zooms on them.
// It is meant for documentation: Perfetto is the tool for exploring a
// trace.
func drawSVG(w io.Writer, f trace.File) error {
	rows := map[int]*row{}
	get := func(tid int) *row {
		if rows[tid] == nil {
			rows[tid] = &row{tid: tid, name: fmt.Sprint("thread ", tid), sort: tid}
		}
		return rows[tid]
	}
	title := "trace"
	var end float64
	taskFrom, taskTo := math.Inf(1), math.Inf(-1)
	levels := 0
	for _, e := range f.TraceEvents {
		switch e.Ph {
		case "M":
			switch e.Name {
			case "thread_name":
				if name, ok := e.Args["name"].(string); ok {
					get(e.Tid).name = name
				}
			case "thread_sort_index":
				if k, ok := toInt(e.Args["sort_index"]); ok {
					get(e.Tid).sort = k
				}
			case "process_name":
				if name, ok := e.Args["name"].(string); ok {
					title = name
				}
			}
		case "X":
			if e.Dur == nil {
				continue
			}
			r := get(e.Tid)
			r.spans = append(r.spans, e)
			end = max(end, e.Ts+*e.Dur)
			if e.Cat == "task" {
				taskFrom, taskTo = min(taskFrom, e.Ts), max(taskTo, e.Ts+*e.Dur)
				if k, ok := toInt(e.Args["level"]); ok {
					levels = max(levels, k+1)
				}
			}
		}
	}
	var all, workers []*row
	for _, r := range rows {
		if len(r.spans) > 0 {
			r.layout()
			all = append(all, r)
			if r.tid != trace.RunTid {
				workers = append(workers, r)
			}
		}
	}
	byOrder := func(a, b *row) int { return cmp.Or(cmp.Compare(a.sort, b.sort), cmp.Compare(a.tid, b.tid)) }
	slices.SortFunc(all, byOrder)
	slices.SortFunc(workers, byOrder)

	zoom := taskTo > taskFrom && taskTo-taskFrom < end/2 && len(workers) > 0
	height := svgTitleH + panelHeight(all)
	if zoom {
		height += svgPanelGap + panelHeight(workers)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`+"\n", svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgWidth, height)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", svgPad, html.EscapeString(title))
	legend(&b, levels)
	y := panel(&b, all, 0, end, svgTitleH, "")
	if zoom {
		pad := (taskTo - taskFrom) / 40
		panel(&b, workers, math.Max(0, taskFrom-pad), taskTo+pad, y+svgPanelGap,
			fmt.Sprintf("tasks, from %s to %s", msLabel(taskFrom), msLabel(taskTo)))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// panelHeight is the height of a panel of rows, with its axis.
func panelHeight(rows []*row) int {
	h := svgAxisH + svgPad
	for _, r := range rows {
		h += r.nLane*svgLaneH + svgRowGap
	}
	return h
}

// panel draws rows from time from to time to (in microseconds) at height
// y, with a caption if not "", and returns the height below it.
func panel(b *strings.Builder, rows []*row, from, to float64, y int, caption string) int {
	if caption != "" {
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="#555555" font-style="italic">%s</text>`+"\n", svgLabelW+svgPad, y-6, html.EscapeString(caption))
	}
	step := tickStep(to - from)
	first := math.Ceil(from/step) * step
	if to <= from {
		to = from + step
	}
	left, right := float64(svgLabelW+svgPad), float64(svgWidth-svgPad)
	x := func(us float64) float64 { return left + (us-from)/(to-from)*(right-left) }
	axisY := y + panelHeight(rows) - svgAxisH - svgPad + svgRowGap
	for t := first; t <= to+step/1e6; t += step {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e6e6e6"/>`+"\n", x(t), y, x(t), axisY)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555555">%s</text>`+"\n", x(t), axisY+14, msLabel(t))
	}
	for _, r := range rows {
		h := r.nLane * svgLaneH
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="#333333">%s</text>`+"\n", svgPad, y+svgLaneH/2+4, html.EscapeString(r.name))
		fmt.Fprintf(b, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="#cccccc"/>`+"\n", left, y+h+svgRowGap/2, right, y+h+svgRowGap/2)
		for k, e := range r.spans {
			x0, x1 := math.Max(x(e.Ts), left), math.Min(x(e.Ts+*e.Dur), right)
			if x1 < left || x0 > right {
				continue
			}
			wd := math.Max(x1-x0, 1.5)
			top := y + r.lanes[k]*svgLaneH + 2
			fmt.Fprintf(b, `<g><title>%s</title>`, html.EscapeString(tooltip(e)))
			fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s" stroke="#ffffff" stroke-width="0.5"/>`, x0, top, wd, svgLaneH-4, spanColor(e))
			if label := fit(e.Name, wd); label != "" {
				fmt.Fprintf(b, `<text x="%.1f" y="%d" fill="%s">%s</text>`, x0+3, top+svgLaneH/2+2, textColor(e), html.EscapeString(label))
			} else if room := r.room(k, x, right) - (x0 + wd); room > 0 {
				// Too narrow for its name: write it after the span, in the
				// lane's free room.
				if label := fit(e.Name, room); label != "" {
					fmt.Fprintf(b, `<text x="%.1f" y="%d" fill="#333333">%s</text>`, x0+wd+3, top+svgLaneH/2+2, html.EscapeString(label))
				}
			}
			b.WriteString("</g>\n")
		}
		y += h + svgRowGap
	}
	return y + svgAxisH + svgPad - svgRowGap
}

// room returns the x where the next span after span k in its lane starts,
// or right if none does.
func (r *row) room(k int, x func(float64) float64, right float64) float64 {
	for j := k + 1; j < len(r.spans); j++ {
		if r.lanes[j] == r.lanes[k] {
			return math.Min(x(r.spans[j].Ts), right)
		}
	}
	return right
}

// legend draws the colour of each level, and of setup and teardown, at
// the top right.
func legend(b *strings.Builder, levels int) {
	type item struct{ color, name string }
	items := []item{{handlerColor, "setup, teardown"}}
	for k := range min(levels, len(levelColors)) {
		items = append(items, item{levelColors[k], fmt.Sprint("level ", k)})
	}
	items = append(items, item{failedColor, "failed attempt"})
	x := float64(svgWidth - svgPad)
	for _, it := range slices.Backward(items) {
		x -= float64(len(it.name))*svgCharW + 22
		fmt.Fprintf(b, `<rect x="%.1f" y="10" width="10" height="10" rx="2" fill="%s"/><text x="%.1f" y="19" fill="#333333">%s</text>`+"\n", x, it.color, x+14, html.EscapeString(it.name))
	}
}

// layout puts each span of r in the lowest lane where it does not overlap
// a span it is not nested in: nested spans go one lane down.
func (r *row) layout() {
	slices.SortStableFunc(r.spans, func(a, b trace.Event) int {
		return cmp.Or(cmp.Compare(a.Ts, b.Ts), cmp.Compare(*b.Dur, *a.Dur))
	})
	r.lanes = make([]int, len(r.spans))
	var laneEnd []float64 // the end of the last span of each lane
	for k, e := range r.spans {
		lane := 0
		for lane < len(laneEnd) && laneEnd[lane] > e.Ts {
			lane++
		}
		if lane == len(laneEnd) {
			laneEnd = append(laneEnd, 0)
		}
		laneEnd[lane] = e.Ts + *e.Dur
		r.lanes[k] = lane
	}
	r.nLane = max(len(laneEnd), 1)
}

// tickStep returns a round step (1, 2 or 5 times a power of ten, in
// microseconds) that cuts [0, end] into 5 to 10 ticks.
func tickStep(end float64) float64 {
	if end <= 0 {
		return 1
	}
	raw := end / 8
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

// msLabel formats a time in microseconds as milliseconds, without
// trailing zeros.
func msLabel(us float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", us/1000), "0"), ".")
	return s + " ms"
}

// fit returns the longest form of name that fits width pixels: the whole
// name, or its part after the last dot, cut with an ellipsis; "" if even
// that does not fit.
func fit(name string, width float64) string {
	chars := int((width - 6) / svgCharW)
	if len(name) <= chars {
		return name
	}
	if k := strings.LastIndexByte(name, '.'); k >= 0 {
		name = name[k+1:]
	}
	if len(name) <= chars {
		return name
	}
	if chars < svgMinLabel {
		return ""
	}
	return name[:chars-1] + "…"
}

// tooltip is the hover text of a span.
func tooltip(e trace.Event) string {
	s := fmt.Sprintf("%s: start %s, duration %s", e.Name, msLabel(e.Ts), msLabel(*e.Dur))
	keys := make([]string, 0, len(e.Args))
	for k := range e.Args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s += fmt.Sprintf(", %s %v", k, e.Args[k])
	}
	return s
}

// spanColor fills a span by its category, level and state.
func spanColor(e trace.Event) string {
	switch e.Cat {
	case "run":
		return runColor
	case "handler":
		return handlerColor
	}
	if s, _ := e.Args["state"].(string); s != "" && s != "succeeded" {
		return failedColor
	}
	if k, ok := toInt(e.Args["level"]); ok && k >= 0 {
		return levelColors[k%len(levelColors)]
	}
	return levelColors[0]
}

func textColor(e trace.Event) string {
	if e.Cat == "run" {
		return "#333333"
	}
	return "#ffffff"
}

// toInt reads a JSON number (float64 after decoding) or an int.
func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		return int(n), true
	}
	return 0, false
}
