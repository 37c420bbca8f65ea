package fan

// Part is what each part task produces.
type Part struct{ Name string }
