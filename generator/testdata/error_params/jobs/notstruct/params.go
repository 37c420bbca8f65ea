package notstruct

type Params []string
