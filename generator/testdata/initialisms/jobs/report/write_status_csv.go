package report

import (
	"context"
	"fmt"
)

// WriteStatusCSV is task write_status_csv, with CSV in capitals.
type WriteStatusCSV struct{}

// Run prints the codes as CSV.
func (WriteStatusCSV) Run(ctx context.Context, codes []int) error {
	fmt.Println("status")
	for _, c := range codes {
		fmt.Println(c)
	}
	return nil
}
