// Package declconf reads an OpenTelemetry declarative configuration file
// (OTEL_CONFIG_FILE, schema file_format "1.0") for otel.Init.
//
// # Why otelkit builds the providers itself
//
// contrib otelconf parses the file into its model and its NewSDK builds
// the providers. NewSDK builds its exporters and the SDK's batch
// processors privately: it takes extra provider options, but no way to
// wrap the exporters it builds nor to replace its processors. otelkit's
// guarantees live exactly there: the exporter guard that turns invalid
// UTF-8 into U+FFFD (one bad byte fails a whole batch otherwise), the
// exporter wrapper that counts what each export delivered and lost, the
// batch processors that report every dropped item, the OTLP/HTTP client
// that retries refused connections and bounds each export. NewSDK's
// exporters also read the OTEL_EXPORTER_OTLP_* variables for whatever the
// file leaves unset, and its resource reads OTEL_RESOURCE_ATTRIBUTES,
// while the specification says a file replaces those variables.
//
// So otelkit uses otelconf for what it is good at, the schema's model and
// its validation (every type's UnmarshalYAML), and builds its own
// providers from the model with the same constructors as without a file.
// Parse translates the file into the settings those constructors read:
// the OTEL_* names of each setting (File.Lookup), read only from the file,
// and typed values where there is no variable (sampler, views,
// propagator, resource). Every OTLP exporter is then built with every
// value passed explicitly (otlpconf.Overrides.NoEnv), so that no OTEL_*
// variable of the process reaches it.
//
// # Locations
//
// Parse works on the YAML node tree, so every error names the file, the
// line and the key's path (env.Error's File, Line and Key). Errors the
// signal packages report about a setting that came from the file name the
// variable the setting was translated to; File.Locate puts the file's
// location in its place. Keys the schema does not know are errors (a typo
// would otherwise be ignored silently); keys the schema marks
// "/development" that otelkit does not implement are warnings.
//
// No error quotes a value of the file, written there or substituted into
// it: any key may hold a secret by mistake (a token where a number
// belongs, a header pasted into an endpoint). An error names the key, the
// line and what is allowed, says what is wrong by kind ("!!str (value not
// shown) into int") or position ("item 2"), and env.Error's Value stays
// empty (File.Locate empties it in the signal packages' errors too, and
// replaces the value in their causes).
//
// # Aliases
//
// YAML anchors and aliases may repeat a block of settings. yaml builds
// the node tree without expanding them, and the walks over it (the key
// check, the index) follow every alias: an alias that leads to a node
// containing it, or aliases that add more than maxAliasNodes nodes once
// expanded ("billion laughs"), are an error at the alias before any walk.
//
// YAML merge keys ("<<: *base", "<<: [*a, *b]") are read as YAML says: a
// key written in the mapping wins over a merged one, an earlier mapping
// of a sequence over a later one; the merges count within the same
// budget, and a merge value that is not a mapping (or a sequence of
// mappings) is an error at its line and column.
//
// # Substitution
//
// ${NAME}, ${env:NAME} and ${NAME:-default} in scalar values are replaced
// by the variable's value (the default when it is unset or empty), "$$" by
// "$", as the specification says: in the node tree, so that a value never
// becomes YAML structure, and an unquoted one is typed after substitution
// (${RATIO:-0.25} is a number). A "${" that opens no valid reference is
// an error at its own line and column, naming the variable only when it
// is one that is set. Header values, substituted or not, are kept out of
// every error (File.Secrets lists them for the caller's scrubber).
package declconf
