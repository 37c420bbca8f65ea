package job1

type NoCtx struct{}

func (NoCtx) Run(n int) error { return nil }
