// Package stack checks the local stack that docker-compose.yaml describes
// and examples/stack holds the files of: every file the compose file mounts
// is checked by the real program that reads it (the collector's validate,
// promtool check config, a real Jaeger v2 showing the trace of a log line
// of examples/twoservices, the collector's routing), and the compose file
// and Grafana's provisioning by the compose-spec parser
// (internal/testkit/composecheck), since no Docker engine runs where the
// tests run.
//
// The checks live here rather than beside the files they check because
// promtool may have to be installed (package syspkg), and only test
// packages of the testkit module may change the machine.
package stack
