package w3c

// The limits, in bytes of the combined field (every field line of a request
// joined with one comma, as RFC 9110 section 5.3 combines them). A field over
// its byte limit is dropped whole before it is parsed, so hostile sizes cost
// a length check.
const (
	// MaxTraceParentBytes bounds traceparent. Version 00 is 55 bytes; a later
	// version may be longer (Trace Context Level 2 §3.2.4 asks pass-through
	// services to reject only prohibitively large headers), so the bound
	// leaves room for future fields. Over it the trace restarts.
	MaxTraceParentBytes = 512

	// MaxTraceStateBytes bounds tracestate, received and sent. It is 16
	// times the 512 characters every vendor SHOULD propagate (§3.3.3.1) and
	// the field size most proxies accept per header line. Over it the
	// received field is dropped whole; an in-process TraceState over it is
	// truncated as §3.3.3.1 says before it is sent.
	MaxTraceStateBytes = 8192

	// MaxTraceStateMembers is the most list-members a tracestate list may
	// have (§3.3.2). A received list with more is dropped whole.
	MaxTraceStateMembers = 32

	// MaxBaggageBytes bounds baggage, received and sent: the 8192 bytes
	// W3C Baggage §Limits says a platform MUST propagate at least. Over it
	// the received field is dropped whole, as the SDK's own multi-header
	// path does.
	MaxBaggageBytes = 8192

	// MaxBaggageMembers is the number of baggage list-members kept, the 64
	// W3C Baggage §Limits says a platform MUST propagate at least. Members
	// after the 64th are dropped (the spec lets a platform drop entries over
	// its limits in any order; the first ones are kept).
	MaxBaggageMembers = 64

	// maxFieldLines bounds how many lines of one field are looked at; more
	// lines than this drop the field, whatever their size.
	maxFieldLines = 64

	// longEntry is the size above which a tracestate entry is removed
	// first when the list is truncated (§3.3.3.1).
	longEntry = 128
)
