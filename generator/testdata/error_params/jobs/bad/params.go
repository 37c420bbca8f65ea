package bad

import "time"

type Embedded struct{ A int }

type Params struct {
	Embedded
	hidden  string
	List    []string
	Workers int
	From    time.Time
	Region  string
	Area    string `flag:"region"`
	Count   int    `default:"many"`
	Must    string `required:"true" default:"x"`
	Maybe   string `required:"yes"`
	Tiny    int8   `default:"300"`
	Flag    string `flag:"Bad_Name"`
}
