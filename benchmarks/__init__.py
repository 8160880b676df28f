"""`make bench`: measured speed of Digit Lens against the raw libraries (see BENCHMARKS.md)."""
