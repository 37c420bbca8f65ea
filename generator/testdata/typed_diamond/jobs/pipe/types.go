package pipe

// EvenNumbers and OddNumbers are the two halves of the numbers.
type (
	EvenNumbers []int
	OddNumbers  []int
)
