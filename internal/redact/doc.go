// Package redact holds the one rule engine that decides which names carry
// a credential, and the mark that replaces their values.
//
// A Rule matches a name in two ways: a whole name (the name is it, without
// regard to case, with "-", "_" and "." as one character), and a suffix
// word (the name is it or ends in it after "-", "_", "." or as a camel-case
// word: accessToken, db.password, X-Api-Key). Keys (the rule for the keys
// of log fields and attributes) and httpmw's query-parameter rule are two
// Rules built by this engine; the query rule is broader (code, state, key,
// session are credentials in a URL, not in a log field).
//
// A Setting is what a program's options say about the key rule (keys
// added to Keys, or off); otel.Init merges those of its own options and of
// the logging and tracing options it is given into one per Telemetry, and
// hands its Rule to the logger, the span and log record exporters
// (internal/sanitize) and the trace viewer.
//
// Matching allocates nothing: the patterns are bucketed by their last
// byte, so a name is compared with the few patterns that end as it does,
// and a name shorter than the shortest pattern is rejected at once.
package redact
