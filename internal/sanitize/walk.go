package sanitize

// cleanSlice is the walk every exporter wrapper and KeyValues share:
// items, or, when clean reports a change for some item, a copy of items
// in which each changed item is what clean returned. The copy is made at
// the first change only, so that valid batches (the common case) cost no
// allocation; items itself is never modified, as the SDK may still hold
// it. clean must not write through its argument.
func cleanSlice[T any](items []T, clean func(*T) (T, bool)) ([]T, bool) {
	var out []T
	for i := range items {
		c, changed := clean(&items[i])
		if !changed {
			continue
		}
		if out == nil {
			out = make([]T, len(items))
			copy(out, items)
		}
		out[i] = c
	}
	if out == nil {
		return items, false
	}
	return out, true
}
