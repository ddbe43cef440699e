// Package exportsize bounds the size of an OTLP export, the same way for
// spans, metric data points and log records.
//
// A collector's OTLP receiver refuses an export over its limit whole,
// every item in it: 4 MiB for a gRPC message and 20 MiB for an HTTP body
// by default. A batch of up to 512 spans with large attributes or many
// exception events (stack traces, database statements), or log records
// with a large field, would cost every item exported with them, counted
// export_failed.
//
// Limit gives the bound of an exporter configuration (3 MiB over gRPC,
// 16 MiB over HTTP, 0 otherwise). Bound runs around each export of a
// batch processor's exporter (an exportwrap.Around): it cuts a batch into
// parts whose estimated size stays under the bound, in order, and an item
// over it on its own is not exported but reported as TooLarge, so that it
// costs no other item. Each signal estimates the size of its item from
// above (tracing, metrics, internal/logprovider) with Text, Value,
// KeyValues, Set and Scope; the resource, sent once per export, is left
// to the room the bound leaves under the collector's limit. Metrics cut a
// collection into its data points for Bound and build each part from a
// run of them. The context of each part of a cut batch carries its place
// (PartOf), so that otel's export health can add up what the failed
// parts of one metric collection leave unsent.
package exportsize
