package generator

import (
	"slices"
	"strings"
)

// cycle is one strongly connected component of a dependency graph that
// has a loop.
type cycle struct {
	// loop starts and ends at the member whose name sorts first and follows
	// the shortest way back to it: [a b c a] means a depends on b, b on c,
	// and c on a.
	loop []int
	// others are the members of the component not on loop, sorted by name:
	// they are on other loops through the same tasks.
	others []int
}

// findCycles returns the cycles of a graph given as adjacency lists
// (deps[i] are the nodes i depends on), one per strongly connected
// component that has a loop, sorted by the name of their first member, so
// the output is deterministic.
func findCycles(names []string, deps [][]int) []cycle {
	var cycles []cycle
	for _, comp := range sccs(deps) {
		if len(comp) == 1 && !slices.Contains(deps[comp[0]], comp[0]) {
			continue
		}
		in := make(map[int]bool, len(comp))
		for _, n := range comp {
			in[n] = true
		}
		byName := func(a, b int) int { return strings.Compare(names[a], names[b]) }
		slices.SortFunc(comp, byName)
		c := cycle{loop: shortestLoop(comp[0], deps, in, names)}
		for _, n := range comp {
			if !slices.Contains(c.loop, n) {
				c.others = append(c.others, n)
			}
		}
		cycles = append(cycles, c)
	}
	slices.SortFunc(cycles, func(a, b cycle) int { return strings.Compare(names[a.loop[0]], names[b.loop[0]]) })
	return cycles
}

// shortestLoop finds, by breadth-first search inside one component, the
// shortest path from start back to start, visiting neighbours in name order.
func shortestLoop(start int, deps [][]int, in map[int]bool, names []string) []int {
	prev := map[int]int{}
	queue := []int{start}
	seen := map[int]bool{start: true}
	sorted := func(n int) []int {
		next := slices.Clone(deps[n])
		slices.SortFunc(next, func(a, b int) int { return strings.Compare(names[a], names[b]) })
		return next
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range sorted(n) {
			if m == start {
				path := []int{start}
				for at := n; at != start; at = prev[at] {
					path = append(path, at)
				}
				slices.Reverse(path[1:])
				return append(path, start)
			}
			if in[m] && !seen[m] {
				seen[m] = true
				prev[m] = n
				queue = append(queue, m)
			}
		}
	}
	panic("generator: component without a loop") // sccs guarantees one
}

// sccs returns the strongly connected components of the graph (Tarjan's
// algorithm, iterative so deep graphs cannot overflow the stack).
func sccs(deps [][]int) [][]int {
	n := len(deps)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var comps [][]int
	var st []int
	next := 0
	type frame struct{ v, edge int }
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		st = append(st, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.edge < len(deps[f.v]) {
				w := deps[f.v][f.edge]
				f.edge++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					st = append(st, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := st[len(st)-1]
					st = st[:len(st)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				comps = append(comps, comp)
			}
		}
	}
	return comps
}

// levels assigns each node of an acyclic graph its longest-path depth (a
// node without dependencies is at level 0, any other one level above its
// deepest dependency) and returns the nodes of each level sorted by name.
func levels(names []string, deps [][]int) (level []int, byLevel [][]int) {
	n := len(deps)
	level = make([]int, n)
	done := make([]bool, n)
	// Iterative post-order walk: a node's level is known once its
	// dependencies' are.
	for root := 0; root < n; root++ {
		stack := []int{root}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			if done[v] {
				stack = stack[:len(stack)-1]
				continue
			}
			ready := true
			for _, d := range deps[v] {
				if !done[d] {
					ready = false
					stack = append(stack, d)
				}
			}
			if !ready {
				continue
			}
			stack = stack[:len(stack)-1]
			lv := 0
			for _, d := range deps[v] {
				lv = max(lv, level[d]+1)
			}
			level[v], done[v] = lv, true
		}
	}
	for v, lv := range level {
		for len(byLevel) <= lv {
			byLevel = append(byLevel, nil)
		}
		byLevel[lv] = append(byLevel[lv], v)
	}
	for _, l := range byLevel {
		slices.SortFunc(l, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	}
	return level, byLevel
}
