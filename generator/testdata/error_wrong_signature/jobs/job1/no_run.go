package job1

type NoRun struct{}

func (NoRun) Start() {}
