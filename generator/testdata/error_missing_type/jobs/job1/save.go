package job1

// Save is declared in the wrong file.
