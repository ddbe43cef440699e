// Package process runs a program that a test talks to over loopback ports:
// the collector (package collector), Jaeger (package jaeger), Prometheus
// (the end-to-end tests).
//
// Run picks free 127.0.0.1 ports, starts the program from the command its
// Spec renders for them, and returns once the ports it must serve accept
// connections. If another process took a port in between (the program says
// "address already in use"), Run tries again with new ports. The program is
// stopped when the test ends: SIGTERM, a bounded wait, then kill. Its
// standard output and error are kept (the last 256 KiB) for failure
// messages.
//
//	p := process.Run(t, process.Spec{
//		Name:    "prometheus",
//		Ports:   1,
//		Command: func(dir string, addrs []string) (*exec.Cmd, error) { … },
//	})
//	web := p.Addrs()[0]
package process
