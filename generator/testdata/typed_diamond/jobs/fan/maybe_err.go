package fan

import "context"

// MaybeErr returns an interface-typed result that is nil.
type MaybeErr struct{}

func (MaybeErr) Run(ctx context.Context) (error, error) { return nil, nil }
