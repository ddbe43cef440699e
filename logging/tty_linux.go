//go:build linux

package logging

import (
	"os"
	"syscall"
	"unsafe"
)

// fileIsTerminal asks the kernel for the terminal attributes of f (what
// isatty does): character devices that are not terminals, like /dev/null,
// answer no.
func fileIsTerminal(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var termios syscall.Termios
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(syscall.TCGETS), uintptr(unsafe.Pointer(&termios)))
	}); err != nil {
		return false
	}
	return errno == 0
}
