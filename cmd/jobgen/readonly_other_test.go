//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

func inMountNamespace(*exec.Cmd) error { return errors.ErrUnsupported }

func mountReadOnly(string) error { return errors.ErrUnsupported }

func mkfifo(string) error { return errors.ErrUnsupported }
