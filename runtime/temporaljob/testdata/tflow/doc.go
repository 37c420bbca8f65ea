// Package tflow holds the jobs of the Temporal integration tests.
package tflow
