// Package job2 is the seed's small example, run with the generic handler:
// task4 produces a number, task5 turns it into a message, and task6 uses
// both.
package job2
