// Package fails is a job that fails: boom returns an error, hang outlives
// its timeout, long takes FAILS_LONG (default 3s).
package fails
