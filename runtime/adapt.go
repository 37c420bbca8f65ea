package runtime

// as converts a dependency's result to the parameter type T. A nil result
// (a nil interface value returned by a task whose result type is an
// interface) becomes T's zero value.
func as[T any](v any) T {
	if v == nil {
		var zero T
		return zero
	}
	return v.(T)
}
