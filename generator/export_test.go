package generator

// What the external tests (package generator_test) need of the package's
// unexported names: they are not part of its API.
const (
	Marker      = marker
	RuntimePath = runtimePath
	RefSuffix   = refSuffix
)

var (
	WiringPath = wiringPath
	MainPath   = mainPath
)
