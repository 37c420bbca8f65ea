// Package lib does not compile: the job that imports it must not pass.
package lib

func N() int { return "one" }
