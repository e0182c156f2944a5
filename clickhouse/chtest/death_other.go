//go:build unix && !linux

package chtest

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
