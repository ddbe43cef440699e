package otel

import (
	"time"

	"github.com/otelkit/otelkit/internal/batch"
)

// Shutdown cancels the exports in progress when its deadline passes and
// waits a moment for them to return, so that their outcome is counted.
// An exporter that ignores its context's end (a hung write, a program's
// bug) may never return: Shutdown returns all the same, and what such an
// export carries would be neither exported nor lost in the counts, and
// missing from the last telemetry_dropped line. So the export-health
// wrapper notes each exporter's export in progress (begin, end), and
// Shutdown counts those still in progress as failed when the providers
// have returned (writeOff): their items lost, as if the export had failed
// then. Should such an export return later, its outcome changes no count.

// inFlight is an exporter's export in progress: what record would be
// given if it failed.
type inFlight struct {
	active    bool
	n, resent int
	at        place
	lost      bool // writeOff counted it: its end counts nothing
}

// begin notes the export of n items (resent of them sent again by the
// next export, see record), at place at, as the exporter u's export in
// progress, and reports whether it did: end must then be called when it
// returns. The SDK gives an exporter one export at a time; should another
// be in progress all the same, this one is not noted.
func (h *exportHealth) begin(u *unsentCount, n, resent int, at place) bool {
	h.unsentMu.Lock()
	defer h.unsentMu.Unlock()
	if u.flight.active {
		return false
	}
	u.flight = inFlight{active: true, n: n, resent: resent, at: at}
	return true
}

// end notes that the exporter u's export in progress returned, and
// reports whether its outcome is still to be recorded: not when writeOff
// counted it already.
func (h *exportHealth) end(u *unsentCount) bool {
	h.unsentMu.Lock()
	defer h.unsentMu.Unlock()
	lost := u.flight.lost
	u.flight = inFlight{}
	return !lost
}

// writeOff records each export still in progress as failed with
// batch.ErrExportInProgress: Shutdown has returned, and no count may wait
// for an export that may never end. A part of a batch cut for size is
// counted as its last: no later part is counted now.
func (h *exportHealth) writeOff(now time.Time) {
	type off struct {
		u *unsentCount
		f inFlight
	}
	var offs []off
	h.unsentMu.Lock()
	for _, u := range h.exporters {
		if u.flight.active && !u.flight.lost {
			u.flight.lost = true
			offs = append(offs, off{u, u.flight})
		}
	}
	h.unsentMu.Unlock()
	for _, o := range offs { // record takes unsentMu
		at := o.f.at
		at.Last = true
		h.record(o.u, o.f.n, o.f.resent, at, batch.ErrExportInProgress, now)
	}
}

// writeOff counts the exports of the three signals still in progress as
// failed (exportHealth.writeOff).
func (hs *healthState) writeOff(now time.Time) {
	for _, h := range []*exportHealth{&hs.traces, &hs.metrics, &hs.logs} {
		h.writeOff(now)
	}
}
