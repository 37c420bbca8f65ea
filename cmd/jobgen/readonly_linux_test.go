package main

import (
	"os/exec"
	"syscall"
)

// inMountNamespace makes cmd start in a mount namespace of its own, so that
// the mounts it makes are private to it.
func inMountNamespace(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	return nil
}

// mountReadOnly bind-mounts dir on itself read-only, which stops writes even
// by root. Call it only in a process started by [inMountNamespace].
func mountReadOnly(dir string) error {
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		return err
	}
	return syscall.Mount("", dir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, "")
}

// mkfifo makes a named pipe at path.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }
