//go:build unix

package chtest

import (
	"os/exec"
	"syscall"
)

// setGroup puts the server in a process group of its own, so that killGroup reaches any
// process it starts too (and, on Linux, asks for it to be killed if the test process dies
// without cleaning up).
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
}

// killGroup sends SIGKILL to the server's process group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
}
