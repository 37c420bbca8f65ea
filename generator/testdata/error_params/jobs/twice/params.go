package twice

type Params struct{ N int }
