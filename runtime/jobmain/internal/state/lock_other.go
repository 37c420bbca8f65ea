//go:build !unix

package state

// lock does nothing where flock is not available: two runs must not share
// a folder.
func lock(string) (func(), error) { return func() {}, nil }
