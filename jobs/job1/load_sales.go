package job1

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

//go:embed sales.csv
var salesCSV []byte

// LoadSales parses the embedded sales dataset.
type LoadSales struct{}

// Run returns the sales of the dataset that p keeps, or an error naming the
// first bad line.
func (LoadSales) Run(ctx context.Context, p Params) ([]Sale, error) {
	sales, err := parseSales(salesCSV)
	if err != nil {
		return nil, err
	}
	kept := sales[:0]
	for _, s := range sales {
		if p.Keep(s) {
			kept = append(kept, s)
		}
	}
	return kept, nil
}

func parseSales(data []byte) ([]Sale, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 5
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("sales.csv: header: %w", err)
	}
	var sales []Sale
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return sales, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sales.csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		s, err := parseSale(rec)
		if err != nil {
			return nil, fmt.Errorf("sales.csv:%d: %w", line, err)
		}
		sales = append(sales, s)
	}
}

func parseSale(rec []string) (Sale, error) {
	date, err := time.Parse(time.DateOnly, rec[0])
	if err != nil {
		return Sale{}, fmt.Errorf("date: %w", err)
	}
	units, err := strconv.ParseInt(rec[3], 10, 64)
	if err != nil {
		return Sale{}, fmt.Errorf("units: %w", err)
	}
	price, err := strconv.ParseInt(rec[4], 10, 64)
	if err != nil {
		return Sale{}, fmt.Errorf("unit_price_cents: %w", err)
	}
	return Sale{Date: date, Region: rec[1], Product: rec[2], Units: units, UnitPriceCents: price}, nil
}
