package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/taskorchestrator/taskorchestrator/generator"
	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// A drawn graph has one box per task, labelled with the last part of its
// name, in one group per level. An edge goes from a dependency to the task
// that needs it: solid and labelled with the type when Run takes the
// dependency's result, dashed when the dependency only orders the tasks.
// Node identifiers are t0, t1, ... in config order, so no task name can
// clash with a keyword of either language; every label is quoted.

// shortName returns the file part of a task name: jobs.job1.load_sales ->
// load_sales.
func shortName(task string) string {
	return task[strings.LastIndexByte(task, '.')+1:]
}

// passes reports whether task t receives the result of its dependency d.
func passes(t generator.Task, d int) bool { return slices.Contains(t.Args, d) }

// dotGraph draws the job in Graphviz's DOT language.
func dotGraph(j *generator.Job) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Task graph of job %s, drawn by jobgen graph; render it with: dot -Tsvg\n", dotQuote(j.Name))
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(j.Name))
	fmt.Fprintf(&b, "\tlabel=%s;\n\tlabelloc=t;\n\tfontname=\"Helvetica\";\n\trankdir=LR;\n", dotQuote("job "+j.Name))
	b.WriteString("\tnode [shape=box, style=rounded, fontname=\"Helvetica\"];\n")
	b.WriteString("\tedge [fontname=\"Helvetica\", fontsize=10];\n")
	for k, level := range j.Levels {
		fmt.Fprintf(&b, "\tsubgraph cluster_level_%d {\n", k)
		fmt.Fprintf(&b, "\t\tlabel=%s;\n\t\tstyle=dashed;\n", dotQuote(levelLabel(k, len(level))))
		for _, i := range level {
			fmt.Fprintf(&b, "\t\tt%d [label=%s, tooltip=%s];\n", i, dotQuote(shortName(j.Tasks[i].Name)), dotQuote(j.Tasks[i].Name))
		}
		b.WriteString("\t}\n")
	}
	for i, t := range j.Tasks {
		for _, d := range t.Deps {
			if passes(t, d) {
				fmt.Fprintf(&b, "\tt%d -> t%d [label=%s];\n", d, i, dotQuote(j.Tasks[d].Result))
			} else {
				fmt.Fprintf(&b, "\tt%d -> t%d [style=dashed];\n", d, i)
			}
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// mermaidGraph draws the job as a Mermaid flowchart, which code hosts
// render in Markdown as it is.
func mermaidGraph(j *generator.Job) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\n---\nflowchart LR\n", mermaidText("job "+j.Name))
	for k, level := range j.Levels {
		fmt.Fprintf(&b, "    subgraph level_%d[\"%s\"]\n", k, mermaidText(levelLabel(k, len(level))))
		for _, i := range level {
			fmt.Fprintf(&b, "        t%d[\"%s\"]\n", i, mermaidText(shortName(j.Tasks[i].Name)))
		}
		b.WriteString("    end\n")
	}
	for i, t := range j.Tasks {
		for _, d := range t.Deps {
			if passes(t, d) {
				fmt.Fprintf(&b, "    t%d -->|\"%s\"| t%d\n", d, mermaidText(j.Tasks[d].Result), i)
			} else {
				fmt.Fprintf(&b, "    t%d -.-> t%d\n", d, i)
			}
		}
	}
	return b.String()
}

// mermaidText escapes s for a quoted Mermaid label with entity codes, so
// that quotes, angle brackets and # in a type cannot end the label or
// become markup.
func mermaidText(s string) string {
	return strings.NewReplacer(`#`, `#35;`, `"`, `#quot;`, `<`, `#lt;`, `>`, `#gt;`, "\n", " ").Replace(s)
}

// levelLabel names a level's group: "level 1 (2 tasks)".
func levelLabel(k, width int) string {
	return fmt.Sprintf("level %d (%d %s)", k, width, text.Plural(width, "task", "tasks"))
}
