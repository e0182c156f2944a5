package chtest

import "syscall"

// setDeathSignal has the kernel kill the server when the test process dies (a test binary
// killed by a timeout or ^C must not leave servers behind).
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
