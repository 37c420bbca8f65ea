// Package secret is internal to jobs/pipe: gen/pipe cannot import it.
package secret

// Secret is a type only jobs/pipe and below can name.
type Secret struct{ N int }

// Ints is an alias that generated code cannot spell as secret.Ints, but can
// as []int.
type Ints = []int
